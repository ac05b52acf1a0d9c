-- Move staging into the star schema for one logical date (:logical_date). The
-- loader runs this file inside one transaction together with 50_record_audit.sql.
--
-- Dimensions: delete the versions present in staging, then insert staging.
-- Facts: delete rows whose key is in staging (a row moved to another date) and
-- every row of the logical date (a row no longer in the extract), then insert
-- staging. Re-running a date therefore leaves the same rows as one clean run.
-- Dimensions go first because the fact deletes find the date in dim_date.

DELETE FROM star.dim_date USING stg.dim_date
WHERE star.dim_date.date_key = stg.dim_date.date_key;
INSERT INTO star.dim_date (date_key, calendar_date, year, quarter, month, month_name, day_of_month, day_of_week, day_name, week_of_year, is_weekend)
SELECT date_key, calendar_date, year, quarter, month, month_name, day_of_month, day_of_week, day_name, week_of_year, is_weekend
FROM stg.dim_date;

DELETE FROM star.dim_product USING stg.dim_product
WHERE star.dim_product.product_key = stg.dim_product.product_key;
INSERT INTO star.dim_product (product_key, product_id, name, description, category, price, currency, valid_from, valid_to, is_current)
SELECT product_key, product_id, name, description, category, price, currency, valid_from, valid_to, is_current
FROM stg.dim_product;

DELETE FROM star.dim_customer USING stg.dim_customer
WHERE star.dim_customer.customer_key = stg.dim_customer.customer_key;
INSERT INTO star.dim_customer (customer_key, customer_id, email_hash, country, city, signup_date, first_order_date, segment)
SELECT customer_key, customer_id, email_hash, country, city, signup_date, first_order_date, segment
FROM stg.dim_customer;

DELETE FROM star.dim_campaign USING stg.dim_campaign
WHERE star.dim_campaign.campaign_key = stg.dim_campaign.campaign_key;
INSERT INTO star.dim_campaign (campaign_key, campaign_id, name, channel, start_date, end_date, budget, currency)
SELECT campaign_key, campaign_id, name, channel, start_date, end_date, budget, currency
FROM stg.dim_campaign;

DELETE FROM star.fact_network_traffic USING stg.fact_network_traffic
WHERE star.fact_network_traffic.session_id = stg.fact_network_traffic.session_id;
DELETE FROM star.fact_network_traffic
WHERE date_key IN (SELECT date_key FROM star.dim_date WHERE calendar_date = CAST(:logical_date AS DATE));
INSERT INTO star.fact_network_traffic (session_id, date_key, customer_key, campaign_key, session_start, session_end, duration_s, page_views, click_events, asset_requests, bytes_sent, errors_4xx, errors_5xx, is_bot, device_class, landing_path, is_bounce)
SELECT session_id, date_key, customer_key, campaign_key, session_start, session_end, duration_s, page_views, click_events, asset_requests, bytes_sent, errors_4xx, errors_5xx, is_bot, device_class, landing_path, is_bounce
FROM stg.fact_network_traffic;

DELETE FROM star.fact_transactions USING stg.fact_transactions
WHERE star.fact_transactions.payment_id = stg.fact_transactions.payment_id;
DELETE FROM star.fact_transactions
WHERE date_key IN (SELECT date_key FROM star.dim_date WHERE calendar_date = CAST(:logical_date AS DATE));
INSERT INTO star.fact_transactions (payment_id, order_id, date_key, customer_key, campaign_key, payment_ts, amount, currency, amount_usd, payment_status, payment_method, coupon_code)
SELECT payment_id, order_id, date_key, customer_key, campaign_key, payment_ts, amount, currency, amount_usd, payment_status, payment_method, coupon_code
FROM stg.fact_transactions;

DELETE FROM star.fact_product_sales USING stg.fact_product_sales
WHERE star.fact_product_sales.order_id = stg.fact_product_sales.order_id
  AND star.fact_product_sales.line_no = stg.fact_product_sales.line_no;
DELETE FROM star.fact_product_sales
WHERE date_key IN (SELECT date_key FROM star.dim_date WHERE calendar_date = CAST(:logical_date AS DATE));
INSERT INTO star.fact_product_sales (order_id, line_no, date_key, product_key, customer_key, quantity, unit_price, line_amount, currency, line_amount_usd, order_status)
SELECT order_id, line_no, date_key, product_key, customer_key, quantity, unit_price, line_amount, currency, line_amount_usd, order_status
FROM stg.fact_product_sales;

DELETE FROM star.fact_campaign_interactions USING stg.fact_campaign_interactions
WHERE star.fact_campaign_interactions.event_id = stg.fact_campaign_interactions.event_id;
DELETE FROM star.fact_campaign_interactions
WHERE date_key IN (SELECT date_key FROM star.dim_date WHERE calendar_date = CAST(:logical_date AS DATE));
INSERT INTO star.fact_campaign_interactions (event_id, date_key, campaign_key, customer_key, event_type, event_ts)
SELECT event_id, date_key, campaign_key, customer_key, event_type, event_ts
FROM stg.fact_campaign_interactions;

DELETE FROM audit.load_errors WHERE logical_date = CAST(:logical_date AS DATE);
INSERT INTO audit.load_errors (logical_date, table_name, starttime, filename, line_number, colname, type, col_length, position, raw_line, raw_field_value, err_code, err_reason)
SELECT logical_date, table_name, starttime, filename, line_number, colname, type, col_length, position, raw_line, raw_field_value, err_code, err_reason
FROM stg.load_errors;

DELETE FROM audit.load_audit WHERE logical_date = CAST(:logical_date AS DATE);
