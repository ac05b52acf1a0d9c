"""Every dashboard figure equals the same figure recomputed with hand-written SQL on the marts and star tables.

The SQL below is written independently of powerbi/sql.py: it reads the
`mart.*` views wherever they hold the figure and the star tables otherwise.
A figure that is blank in Power BI (no qualifying rows) is NULL here too.
"""

from __future__ import annotations

import json

import pytest

HUMAN = "t.is_bot IS NOT TRUE"
NET = "NULLIF(SUM(p.net_revenue_usd), 0)"
NET_UNITS = "NULLIF(SUM(p.units_sold - p.cancelled_or_refunded_units), 0)"
NET_ORDERS = ("(SELECT COUNT(DISTINCT order_id) FROM star.fact_product_sales "
              "WHERE order_status IS NULL OR order_status NOT IN ('CANCELLED', 'REFUNDED'))")
CAPTURED_ATTRIBUTED = "payment_status = 'CAPTURED' AND campaign_key <> -1"
ERROR_SESSIONS = "COALESCE(errors_4xx, 0) + COALESCE(errors_5xx, 0) > 0"

# Visual name -> SQL returning the category (absent for card rows) and one column per measure.
EXPECTED_SQL = {
    "customer_kpis": """
        SELECT COUNT(*),
               NULLIF(COUNT(CASE WHEN orders > 0 THEN 1 END), 0),
               CAST(COUNT(CASE WHEN orders >= 2 THEN 1 END) AS DOUBLE PRECISION) / NULLIF(COUNT(CASE WHEN orders > 0 THEN 1 END), 0),
               SUM(revenue_usd) / NULLIF(COUNT(CASE WHEN orders > 0 THEN 1 END), 0)
        FROM mart.customer_behaviour""",
    "customers_by_segment": "SELECT segment, COUNT(*) FROM mart.customer_behaviour GROUP BY segment",
    "lifetime_value_by_segment": """
        SELECT segment, NULLIF(SUM(revenue_usd), 0) / NULLIF(COUNT(CASE WHEN orders > 0 THEN 1 END), 0)
        FROM mart.customer_behaviour GROUP BY segment""",
    "payments_by_country": """
        SELECT country, NULLIF(SUM(revenue_usd), 0) FROM mart.customer_behaviour GROUP BY country""",
    "payments_by_method": """
        SELECT payment_method, SUM(amount_usd) FROM star.fact_transactions
        WHERE payment_status = 'CAPTURED' AND customer_key <> -1 GROUP BY payment_method""",
    "sales_kpis": f"""
        SELECT {NET}, {NET_ORDERS}, SUM(p.net_revenue_usd) / {NET_ORDERS}, {NET_UNITS}
        FROM mart.product_sales AS p""",
    "revenue_by_day": f"SELECT p.calendar_date, {NET} FROM mart.product_sales AS p GROUP BY p.calendar_date",
    "revenue_by_category": f"SELECT p.category, {NET} FROM mart.product_sales AS p GROUP BY p.category",
    "top_products": f"SELECT p.product_name, {NET} FROM mart.product_sales AS p GROUP BY p.product_name",
    "units_by_category": f"SELECT p.category, {NET_UNITS} FROM mart.product_sales AS p GROUP BY p.category",
    "campaign_kpis": f"""
        SELECT SUM(sent),
               CAST(SUM(opens) AS DOUBLE PRECISION) / SUM(sent),
               CAST(SUM(clicks) AS DOUBLE PRECISION) / SUM(sent),
               CAST((SELECT COUNT(DISTINCT order_id) FROM star.fact_transactions WHERE {CAPTURED_ATTRIBUTED}) AS DOUBLE PRECISION)
                   / SUM(clicks),
               SUM(attributed_revenue_usd),
               SUM(CASE WHEN budget > 0 THEN attributed_revenue_usd END) / (SELECT SUM(budget) FROM star.dim_campaign)
        FROM mart.campaign_effectiveness""",
    "funnel_by_campaign": f"""
        SELECT m.campaign_name || ' (' || m.campaign_id || ')', NULLIF(m.sent, 0), NULLIF(m.opens, 0), NULLIF(m.clicks, 0), o.orders
        FROM mart.campaign_effectiveness AS m
        LEFT JOIN (SELECT campaign_key, COUNT(DISTINCT order_id) AS orders FROM star.fact_transactions
                   WHERE {CAPTURED_ATTRIBUTED} GROUP BY campaign_key) AS o ON o.campaign_key = m.campaign_key""",
    "rates_by_campaign": f"""
        SELECT m.campaign_name || ' (' || m.campaign_id || ')',
               CAST(NULLIF(m.opens, 0) AS DOUBLE PRECISION) / NULLIF(m.sent, 0),
               CAST(NULLIF(m.clicks, 0) AS DOUBLE PRECISION) / NULLIF(m.sent, 0),
               CAST(o.orders AS DOUBLE PRECISION) / NULLIF(m.clicks, 0)
        FROM mart.campaign_effectiveness AS m
        LEFT JOIN (SELECT campaign_key, COUNT(DISTINCT order_id) AS orders FROM star.fact_transactions
                   WHERE {CAPTURED_ATTRIBUTED} GROUP BY campaign_key) AS o ON o.campaign_key = m.campaign_key""",
    "revenue_and_budget_by_campaign": """
        SELECT campaign_name || ' (' || campaign_id || ')', NULLIF(attributed_revenue_usd, 0), budget FROM mart.campaign_effectiveness""",
    "return_on_spend_by_campaign": """
        SELECT campaign_name || ' (' || campaign_id || ')', CASE WHEN budget > 0 THEN NULLIF(attributed_revenue_usd, 0) / budget END
        FROM mart.campaign_effectiveness""",
    "traffic_kpis": f"""
        SELECT SUM(t.sessions),
               CAST(SUM(t.page_views) AS DOUBLE PRECISION) / SUM(t.sessions),
               SUM(t.bounce_rate * t.sessions) / SUM(t.sessions),
               CAST((SELECT COUNT(*) FROM star.fact_network_traffic AS t WHERE {HUMAN} AND {ERROR_SESSIONS})
                    AS DOUBLE PRECISION) / SUM(t.sessions),
               SUM(t.avg_duration_s * t.sessions) / SUM(t.sessions)
        FROM mart.traffic_usage AS t WHERE {HUMAN}""",
    "sessions_by_hour": f"""
        SELECT EXTRACT(HOUR FROM t.session_start)::int, COUNT(*) FROM star.fact_network_traffic AS t
        WHERE {HUMAN} GROUP BY 1""",
    "sessions_by_weekday": f"""
        SELECT d.day_name, SUM(t.sessions) FROM mart.traffic_usage AS t
        JOIN star.dim_date AS d ON d.date_key = t.date_key WHERE {HUMAN} GROUP BY d.day_name""",
    "sessions_by_device": f"""
        SELECT t.device_class, SUM(t.sessions) FROM mart.traffic_usage AS t WHERE {HUMAN} GROUP BY t.device_class""",
    "rates_by_day": f"""
        SELECT t.calendar_date, NULLIF(SUM(t.bounce_rate * t.sessions), 0) / SUM(t.sessions),
               CAST(e.sessions AS DOUBLE PRECISION) / SUM(t.sessions)
        FROM mart.traffic_usage AS t
        LEFT JOIN (SELECT date_key, COUNT(*) AS sessions FROM star.fact_network_traffic AS t
                   WHERE {HUMAN} AND {ERROR_SESSIONS} GROUP BY date_key) AS e ON e.date_key = t.date_key
        WHERE {HUMAN} GROUP BY t.calendar_date, e.sessions""",
}
TOP_N = {"payments_by_country": 10, "top_products": 10}


def _visuals(figures):
    for area in figures["areas"].values():
        yield from area["visuals"].items()


def _as_number(value):
    return None if value is None else float(value)


def _expected_rows(cursor, name, has_category):
    cursor.execute(EXPECTED_SQL[name])
    expected = {}
    for row in cursor.fetchall():
        category, values = (row[0], row[1:]) if has_category else (None, row)
        if hasattr(category, "isoformat"):
            category = category.isoformat()
        values = [_as_number(value) for value in values]
        if any(value is not None for value in values):
            expected[category] = values
    return expected


def _keep_top(expected, top):
    values = sorted((v[0] for v in expected.values() if v[0] is not None), reverse=True)
    cutoff = values[top - 1] if len(values) >= top else float("-inf")
    return {category: v for category, v in expected.items() if v[0] is not None and v[0] >= cutoff}


def test_every_visual_has_expected_sql(dashboard_build):
    figures, _ = dashboard_build

    assert {name for name, _ in _visuals(figures)} == set(EXPECTED_SQL)


@pytest.mark.parametrize("name", sorted(EXPECTED_SQL))
def test_figure_matches_mart_sql(dashboard_build, warehouse_cursor, name):
    figures, _ = dashboard_build
    visual = dict(_visuals(figures))[name]
    has_category = visual["category"] is not None

    expected = _expected_rows(warehouse_cursor, name, has_category)
    if name in TOP_N:
        expected = _keep_top(expected, TOP_N[name])
    shown = {row["category"]: [row["values"][m] for m in visual["measures"]] for row in visual["rows"]}

    assert set(shown) == set(expected), f"{name}: categories differ"
    for category, values in expected.items():
        blanks = [value is None for value in values]
        assert [value is None for value in shown[category]] == blanks, f"{name} at {category!r}: blanks differ"
        present = [value for value in values if value is not None]
        shown_present = [value for value in shown[category] if value is not None]
        assert shown_present == pytest.approx(present, rel=1e-9, abs=1e-9), f"{name} at {category!r}"


def test_figures_json_matches_returned_values(dashboard_build):
    figures, out_dir = dashboard_build

    written = json.loads((out_dir / "figures.json").read_text())

    assert written == json.loads(json.dumps(figures))


def test_category_visuals_sorted_by_sort_column(dashboard_build):
    figures, _ = dashboard_build
    visuals = dict(_visuals(figures))

    weekdays = [row["category"] for row in visuals["sessions_by_weekday"]["rows"]]
    hours = [row["category"] for row in visuals["sessions_by_hour"]["rows"]]
    days = [row["category"] for row in visuals["revenue_by_day"]["rows"]]

    assert weekdays == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert hours == sorted(hours)
    assert days == sorted(days)


def test_value_visuals_sorted_descending(dashboard_build):
    figures, _ = dashboard_build

    for name, visual in _visuals(figures):
        if visual["kind"] == "cards" or name not in ("customers_by_segment", "top_products", "payments_by_country",
                                                     "revenue_by_category", "sessions_by_device"):
            continue
        first = visual["measures"][0]
        values = [row["values"][first] for row in visual["rows"]]
        assert values == sorted(values, reverse=True), name


def test_top_products_cut_at_ten(dashboard_build):
    figures, _ = dashboard_build
    visual = dict(_visuals(figures))["top_products"]

    assert 10 <= len(visual["rows"]) < 13
