-- Orphan-key audit: one row per fact foreign key with the number of fact rows
-- whose key is NULL or has no dimension row (0 is healthy). Unknown members
-- use key -1, which must exist in each dimension.
SELECT 'fact_network_traffic' AS table_name, 'date_key' AS key_columns, COUNT(*) AS violations
FROM star.fact_network_traffic AS f LEFT JOIN star.dim_date AS d ON d.date_key = f.date_key
WHERE d.date_key IS NULL
UNION ALL
SELECT 'fact_network_traffic', 'customer_key', COUNT(*)
FROM star.fact_network_traffic AS f LEFT JOIN star.dim_customer AS d ON d.customer_key = f.customer_key
WHERE d.customer_key IS NULL
UNION ALL
SELECT 'fact_network_traffic', 'campaign_key', COUNT(*)
FROM star.fact_network_traffic AS f LEFT JOIN star.dim_campaign AS d ON d.campaign_key = f.campaign_key
WHERE d.campaign_key IS NULL
UNION ALL
SELECT 'fact_transactions', 'date_key', COUNT(*)
FROM star.fact_transactions AS f LEFT JOIN star.dim_date AS d ON d.date_key = f.date_key
WHERE d.date_key IS NULL
UNION ALL
SELECT 'fact_transactions', 'customer_key', COUNT(*)
FROM star.fact_transactions AS f LEFT JOIN star.dim_customer AS d ON d.customer_key = f.customer_key
WHERE d.customer_key IS NULL
UNION ALL
SELECT 'fact_transactions', 'campaign_key', COUNT(*)
FROM star.fact_transactions AS f LEFT JOIN star.dim_campaign AS d ON d.campaign_key = f.campaign_key
WHERE d.campaign_key IS NULL
UNION ALL
SELECT 'fact_product_sales', 'date_key', COUNT(*)
FROM star.fact_product_sales AS f LEFT JOIN star.dim_date AS d ON d.date_key = f.date_key
WHERE d.date_key IS NULL
UNION ALL
SELECT 'fact_product_sales', 'product_key', COUNT(*)
FROM star.fact_product_sales AS f LEFT JOIN star.dim_product AS d ON d.product_key = f.product_key
WHERE d.product_key IS NULL
UNION ALL
SELECT 'fact_product_sales', 'customer_key', COUNT(*)
FROM star.fact_product_sales AS f LEFT JOIN star.dim_customer AS d ON d.customer_key = f.customer_key
WHERE d.customer_key IS NULL
UNION ALL
SELECT 'fact_campaign_interactions', 'date_key', COUNT(*)
FROM star.fact_campaign_interactions AS f LEFT JOIN star.dim_date AS d ON d.date_key = f.date_key
WHERE d.date_key IS NULL
UNION ALL
SELECT 'fact_campaign_interactions', 'campaign_key', COUNT(*)
FROM star.fact_campaign_interactions AS f LEFT JOIN star.dim_campaign AS d ON d.campaign_key = f.campaign_key
WHERE d.campaign_key IS NULL
UNION ALL
SELECT 'fact_campaign_interactions', 'customer_key', COUNT(*)
FROM star.fact_campaign_interactions AS f LEFT JOIN star.dim_customer AS d ON d.customer_key = f.customer_key
WHERE d.customer_key IS NULL;
