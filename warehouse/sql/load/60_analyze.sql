-- Refresh planner statistics of the tables the load changed (after the commit).
ANALYZE star.dim_date;
ANALYZE star.dim_product;
ANALYZE star.dim_customer;
ANALYZE star.dim_campaign;
ANALYZE star.fact_network_traffic;
ANALYZE star.fact_transactions;
ANALYZE star.fact_product_sales;
ANALYZE star.fact_campaign_interactions;
ANALYZE audit.load_audit;
ANALYZE audit.load_errors;
