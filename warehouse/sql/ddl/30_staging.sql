-- Staging tables: COPY targets, emptied before every load. LIKE copies the
-- columns, distribution and sort keys of the star table, so the INSERT from
-- staging into star moves no data between nodes.
-- BACKUP NO: staging content is rebuilt by every load, so snapshots skip it.

CREATE TABLE IF NOT EXISTS stg.dim_date (LIKE star.dim_date) BACKUP NO;
CREATE TABLE IF NOT EXISTS stg.dim_product (LIKE star.dim_product) BACKUP NO;
CREATE TABLE IF NOT EXISTS stg.dim_customer (LIKE star.dim_customer) BACKUP NO;
CREATE TABLE IF NOT EXISTS stg.dim_campaign (LIKE star.dim_campaign) BACKUP NO;
CREATE TABLE IF NOT EXISTS stg.fact_network_traffic (LIKE star.fact_network_traffic) BACKUP NO;
CREATE TABLE IF NOT EXISTS stg.fact_transactions (LIKE star.fact_transactions) BACKUP NO;
CREATE TABLE IF NOT EXISTS stg.fact_product_sales (LIKE star.fact_product_sales) BACKUP NO;
CREATE TABLE IF NOT EXISTS stg.fact_campaign_interactions (LIKE star.fact_campaign_interactions) BACKUP NO;
CREATE TABLE IF NOT EXISTS stg.load_errors (LIKE audit.load_errors) BACKUP NO;
