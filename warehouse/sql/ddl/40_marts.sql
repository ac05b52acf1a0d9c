-- BI marts: views over the star schema that the dashboards read. Amounts are
-- in USD. Views rather than tables, so they are never stale after a load.

-- One row per known customer: purchases, web sessions and campaign responses.
CREATE OR REPLACE VIEW mart.customer_behaviour AS
WITH purchases AS (
    SELECT customer_key,
           COUNT(DISTINCT order_id) AS orders,
           SUM(CASE WHEN payment_status = 'CAPTURED' THEN amount_usd ELSE 0 END) AS revenue_usd,
           MAX(payment_ts) AS last_payment_ts
    FROM star.fact_transactions
    GROUP BY customer_key
),
visits AS (
    SELECT customer_key,
           COUNT(*) AS sessions,
           SUM(page_views) AS page_views,
           SUM(CASE WHEN is_bounce THEN 1 ELSE 0 END) AS bounced_sessions,
           MAX(session_start) AS last_session_ts
    FROM star.fact_network_traffic
    GROUP BY customer_key
),
responses AS (
    SELECT customer_key,
           SUM(CASE WHEN event_type = 'open' THEN 1 ELSE 0 END) AS campaign_opens,
           SUM(CASE WHEN event_type = 'click' THEN 1 ELSE 0 END) AS campaign_clicks
    FROM star.fact_campaign_interactions
    GROUP BY customer_key
)
SELECT c.customer_key,
       c.customer_id,
       c.country,
       c.city,
       c.segment,
       c.signup_date,
       c.first_order_date,
       COALESCE(p.orders, 0) AS orders,
       COALESCE(p.revenue_usd, 0) AS revenue_usd,
       CASE WHEN COALESCE(p.orders, 0) = 0 THEN NULL
            ELSE CAST(p.revenue_usd / p.orders AS DECIMAL(14, 2)) END AS avg_order_value_usd,
       p.last_payment_ts,
       COALESCE(v.sessions, 0) AS sessions,
       COALESCE(v.page_views, 0) AS page_views,
       CASE WHEN COALESCE(v.sessions, 0) = 0 THEN NULL
            ELSE CAST(v.bounced_sessions AS DOUBLE PRECISION) / v.sessions END AS bounce_rate,
       v.last_session_ts,
       COALESCE(r.campaign_opens, 0) AS campaign_opens,
       COALESCE(r.campaign_clicks, 0) AS campaign_clicks
FROM star.dim_customer AS c
LEFT JOIN purchases AS p ON p.customer_key = c.customer_key
LEFT JOIN visits AS v ON v.customer_key = c.customer_key
LEFT JOIN responses AS r ON r.customer_key = c.customer_key
WHERE c.customer_key <> -1;

-- One row per day and product version: units and revenue, gross and net of cancelled or refunded orders.
CREATE OR REPLACE VIEW mart.product_sales AS
SELECT d.calendar_date,
       s.date_key,
       p.product_key,
       p.product_id,
       p.name AS product_name,
       p.category,
       COUNT(DISTINCT s.order_id) AS orders,
       SUM(s.quantity) AS units_sold,
       SUM(s.line_amount_usd) AS gross_revenue_usd,
       SUM(CASE WHEN s.order_status IN ('CANCELLED', 'REFUNDED') THEN 0 ELSE s.line_amount_usd END) AS net_revenue_usd,
       SUM(CASE WHEN s.order_status IN ('CANCELLED', 'REFUNDED') THEN s.quantity ELSE 0 END) AS cancelled_or_refunded_units
FROM star.fact_product_sales AS s
JOIN star.dim_date AS d ON d.date_key = s.date_key
JOIN star.dim_product AS p ON p.product_key = s.product_key
GROUP BY d.calendar_date, s.date_key, p.product_key, p.product_id, p.name, p.category;

-- One row per campaign: e-mail funnel, the sessions it brought and the payments attributed to it.
CREATE OR REPLACE VIEW mart.campaign_effectiveness AS
WITH funnel AS (
    SELECT campaign_key,
           SUM(CASE WHEN event_type = 'sent' THEN 1 ELSE 0 END) AS sent,
           SUM(CASE WHEN event_type = 'open' THEN 1 ELSE 0 END) AS opens,
           SUM(CASE WHEN event_type = 'click' THEN 1 ELSE 0 END) AS clicks
    FROM star.fact_campaign_interactions
    GROUP BY campaign_key
),
visits AS (
    SELECT campaign_key, COUNT(*) AS sessions
    FROM star.fact_network_traffic
    GROUP BY campaign_key
),
payments AS (
    SELECT campaign_key,
           COUNT(DISTINCT order_id) AS orders,
           SUM(CASE WHEN payment_status = 'CAPTURED' THEN amount_usd ELSE 0 END) AS revenue_usd
    FROM star.fact_transactions
    GROUP BY campaign_key
)
SELECT c.campaign_key,
       c.campaign_id,
       c.name AS campaign_name,
       c.channel,
       c.start_date,
       c.end_date,
       c.budget,
       c.currency AS budget_currency,
       COALESCE(f.sent, 0) AS sent,
       COALESCE(f.opens, 0) AS opens,
       COALESCE(f.clicks, 0) AS clicks,
       CASE WHEN COALESCE(f.sent, 0) = 0 THEN NULL ELSE CAST(f.opens AS DOUBLE PRECISION) / f.sent END AS open_rate,
       CASE WHEN COALESCE(f.sent, 0) = 0 THEN NULL ELSE CAST(f.clicks AS DOUBLE PRECISION) / f.sent END AS click_rate,
       COALESCE(v.sessions, 0) AS sessions,
       COALESCE(p.orders, 0) AS attributed_orders,
       COALESCE(p.revenue_usd, 0) AS attributed_revenue_usd
FROM star.dim_campaign AS c
LEFT JOIN funnel AS f ON f.campaign_key = c.campaign_key
LEFT JOIN visits AS v ON v.campaign_key = c.campaign_key
LEFT JOIN payments AS p ON p.campaign_key = c.campaign_key
WHERE c.campaign_key <> -1;

-- One row per day, device class and bot flag: sessions, volume and errors.
CREATE OR REPLACE VIEW mart.traffic_usage AS
SELECT d.calendar_date,
       t.date_key,
       t.device_class,
       t.is_bot,
       COUNT(*) AS sessions,
       COUNT(DISTINCT CASE WHEN t.customer_key <> -1 THEN t.customer_key END) AS known_customers,
       SUM(t.page_views) AS page_views,
       SUM(t.click_events) AS click_events,
       SUM(t.asset_requests) AS asset_requests,
       SUM(t.bytes_sent) AS bytes_sent,
       SUM(t.errors_4xx) AS errors_4xx,
       SUM(t.errors_5xx) AS errors_5xx,
       AVG(CAST(t.duration_s AS DOUBLE PRECISION)) AS avg_duration_s,
       CAST(SUM(CASE WHEN t.is_bounce THEN 1 ELSE 0 END) AS DOUBLE PRECISION) / COUNT(*) AS bounce_rate
FROM star.fact_network_traffic AS t
JOIN star.dim_date AS d ON d.date_key = t.date_key
GROUP BY d.calendar_date, t.date_key, t.device_class, t.is_bot;
