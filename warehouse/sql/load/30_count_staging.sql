-- Rows in each staging table after COPY; the loader checks read = staged + rejected.
SELECT 'dim_date' AS table_name, COUNT(*) AS row_count FROM stg.dim_date
UNION ALL SELECT 'dim_product', COUNT(*) FROM stg.dim_product
UNION ALL SELECT 'dim_customer', COUNT(*) FROM stg.dim_customer
UNION ALL SELECT 'dim_campaign', COUNT(*) FROM stg.dim_campaign
UNION ALL SELECT 'fact_network_traffic', COUNT(*) FROM stg.fact_network_traffic
UNION ALL SELECT 'fact_transactions', COUNT(*) FROM stg.fact_transactions
UNION ALL SELECT 'fact_product_sales', COUNT(*) FROM stg.fact_product_sales
UNION ALL SELECT 'fact_campaign_interactions', COUNT(*) FROM stg.fact_campaign_interactions
UNION ALL SELECT 'load_errors', COUNT(*) FROM stg.load_errors;
