-- Empty the staging tables before COPY. In Redshift TRUNCATE commits the
-- current transaction, so it runs before, never inside, the merge transaction.
TRUNCATE stg.dim_date;
TRUNCATE stg.dim_product;
TRUNCATE stg.dim_customer;
TRUNCATE stg.dim_campaign;
TRUNCATE stg.fact_network_traffic;
TRUNCATE stg.fact_transactions;
TRUNCATE stg.fact_product_sales;
TRUNCATE stg.fact_campaign_interactions;
TRUNCATE stg.load_errors;
