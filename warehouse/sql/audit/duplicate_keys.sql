-- Duplicate-key audit: one row per table with the number of key values that
-- occur more than once (0 is healthy). Redshift does not enforce keys, and the
-- stand-in declares none, so this query is the uniqueness check on both.
SELECT 'dim_date' AS table_name, 'date_key' AS key_columns, COUNT(*) AS violations
FROM (SELECT date_key FROM star.dim_date GROUP BY date_key HAVING COUNT(*) > 1) AS d
UNION ALL
SELECT 'dim_product', 'product_key', COUNT(*)
FROM (SELECT product_key FROM star.dim_product GROUP BY product_key HAVING COUNT(*) > 1) AS d
UNION ALL
SELECT 'dim_product', 'product_id where is_current', COUNT(*)
FROM (SELECT product_id FROM star.dim_product WHERE is_current GROUP BY product_id HAVING COUNT(*) > 1) AS d
UNION ALL
SELECT 'dim_customer', 'customer_key', COUNT(*)
FROM (SELECT customer_key FROM star.dim_customer GROUP BY customer_key HAVING COUNT(*) > 1) AS d
UNION ALL
SELECT 'dim_campaign', 'campaign_key', COUNT(*)
FROM (SELECT campaign_key FROM star.dim_campaign GROUP BY campaign_key HAVING COUNT(*) > 1) AS d
UNION ALL
SELECT 'fact_network_traffic', 'session_id', COUNT(*)
FROM (SELECT session_id FROM star.fact_network_traffic GROUP BY session_id HAVING COUNT(*) > 1) AS d
UNION ALL
SELECT 'fact_transactions', 'payment_id', COUNT(*)
FROM (SELECT payment_id FROM star.fact_transactions GROUP BY payment_id HAVING COUNT(*) > 1) AS d
UNION ALL
SELECT 'fact_product_sales', 'order_id, line_no', COUNT(*)
FROM (SELECT order_id, line_no FROM star.fact_product_sales GROUP BY order_id, line_no HAVING COUNT(*) > 1) AS d
UNION ALL
SELECT 'fact_campaign_interactions', 'event_id', COUNT(*)
FROM (SELECT event_id FROM star.fact_campaign_interactions GROUP BY event_id HAVING COUNT(*) > 1) AS d;
