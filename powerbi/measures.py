"""The one definition of every measure: its DAX for Power BI and its SQL for the Linux dashboard.

The generator writes the DAX into the TMDL model and the dashboard evaluates the
SQL, so a change here reaches both. Two kinds of measure exist:

- a base measure aggregates one star table: `fact` names it, `sql` is an
  aggregate expression over the alias `f` (and over joined dimension tables,
  listed in `joins`, by their table names). With `per` and `inner`, the SQL
  first aggregates `inner` per value of `per` (alias `g.inner_value`) and then
  aggregates `sql` over those groups, as the DAX iterates over that column.
- a derived measure combines other measures: `{Name}` in `sql` stands for the
  measure called Name, as `[Name]` does in the DAX.

Revenue counts order lines in US dollars, except those of cancelled or refunded orders
(net revenue, as in the `mart.product_sales` view). Customer measures count
payments of known customers, as `mart.customer_behaviour` does.
Bot sessions are excluded from every traffic measure. A blank boolean counts as
false in DAX, so the SQL uses COALESCE(..., FALSE) where the DAX compares with
FALSE().
"""

from __future__ import annotations

import re
from dataclasses import dataclass

AREAS = ("customer_behaviour", "product_sales", "campaign_effectiveness", "network_traffic")
AREA_TITLES = {
    "customer_behaviour": "Customer behaviour",
    "product_sales": "Product sales and revenue",
    "campaign_effectiveness": "Campaign effectiveness",
    "network_traffic": "Network traffic and usage",
}

# TMDL format string and Plotly (d3) format per kind of value.
FORMATS = {
    "currency": ("\\$#,0.00", "$,.2f"),
    "percent": ("0.0%", ".1%"),
    "count": ("#,0", ",.0f"),
    "decimal": ("#,0.00", ",.2f"),
    "seconds": ("#,0.0", ",.1f"),
}

EXCLUDED_STATUSES_DAX = '{"CANCELLED", "REFUNDED"}'
NET_LINE_SQL = "f.order_status IN ('CANCELLED', 'REFUNDED')"
HUMAN_SESSION_SQL = "NOT COALESCE(f.is_bot, FALSE)"
ATTRIBUTED_PAYMENT_SQL = "f.payment_status = 'CAPTURED' AND f.campaign_key <> -1"

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class Measure:
    """One measure as DAX (Power BI) and SQL (dashboard), with its format and home table."""

    name: str
    area: str
    table: str
    kind: str
    description: str
    dax: str
    sql: str
    fact: str | None = None
    joins: tuple[str, ...] = ()
    per: str | None = None
    inner: str | None = None

    @property
    def is_base(self) -> bool:
        return self.fact is not None

    @property
    def format_string(self) -> str:
        return FORMATS[self.kind][0]

    @property
    def plotly_format(self) -> str:
        return FORMATS[self.kind][1]

    def referenced_measures(self) -> list[str]:
        """Return the names of the measures that a derived measure's SQL uses, in order."""
        return _PLACEHOLDER.findall(self.sql) if not self.is_base else []


def _nonzero(count_sql: str) -> str:
    # DAX counts over no rows return BLANK, so an SQL count of 0 becomes NULL.
    return f"NULLIF({count_sql}, 0)"


def _ratio(numerator: str, denominator: str) -> str:
    return f"CAST({{{numerator}}} AS DOUBLE PRECISION) / NULLIF({{{denominator}}}, 0)"


def _divide(numerator: str, denominator: str) -> str:
    return f"DIVIDE([{numerator}], [{denominator}])"


PRODUCT_MEASURES = (
    Measure(
        "Revenue", "product_sales", "fact_product_sales", "currency",
        "Order-line amount in US dollars, without cancelled or refunded orders.",
        dax=(
            "CALCULATE(\n"
            "    SUM(fact_product_sales[line_amount_usd]),\n"
            f"    KEEPFILTERS(NOT fact_product_sales[order_status] IN {EXCLUDED_STATUSES_DAX})\n"
            ")"
        ),
        sql=f"SUM(CASE WHEN {NET_LINE_SQL} THEN NULL ELSE f.line_amount_usd END)",
        fact="fact_product_sales",
    ),
    Measure(
        "Orders", "product_sales", "fact_product_sales", "count",
        "Distinct orders that are not cancelled or refunded.",
        dax=(
            "CALCULATE(\n"
            "    DISTINCTCOUNT(fact_product_sales[order_id]),\n"
            f"    KEEPFILTERS(NOT fact_product_sales[order_status] IN {EXCLUDED_STATUSES_DAX})\n"
            ")"
        ),
        sql=_nonzero(f"COUNT(DISTINCT CASE WHEN {NET_LINE_SQL} THEN NULL ELSE f.order_id END)"),
        fact="fact_product_sales",
    ),
    Measure(
        "Units Sold", "product_sales", "fact_product_sales", "count",
        "Quantity sold, without cancelled or refunded orders.",
        dax=(
            "CALCULATE(\n"
            "    SUM(fact_product_sales[quantity]),\n"
            f"    KEEPFILTERS(NOT fact_product_sales[order_status] IN {EXCLUDED_STATUSES_DAX})\n"
            ")"
        ),
        sql=f"SUM(CASE WHEN {NET_LINE_SQL} THEN NULL ELSE f.quantity END)",
        fact="fact_product_sales",
    ),
    Measure(
        "Average Order Value", "product_sales", "fact_product_sales", "currency",
        "Revenue per order.",
        dax=_divide("Revenue", "Orders"),
        sql=_ratio("Revenue", "Orders"),
    ),
)

KNOWN_CUSTOMER_DAX = "KEEPFILTERS(fact_transactions[customer_key] <> -1)"
KNOWN_CUSTOMER_SQL = "f.customer_key <> -1"

CUSTOMER_MEASURES = (
    Measure(
        "Customers", "customer_behaviour", "dim_customer", "count",
        "Known customers (the unknown member -1 excluded).",
        dax="CALCULATE(COUNTROWS(dim_customer), KEEPFILTERS(dim_customer[customer_key] <> -1))",
        sql=_nonzero("COUNT(CASE WHEN f.customer_key <> -1 THEN 1 END)"),
        fact="dim_customer",
    ),
    Measure(
        "Customer Orders", "customer_behaviour", "fact_transactions", "count",
        "Distinct orders of known customers that have at least one payment, whatever its status.",
        dax=f"CALCULATE(DISTINCTCOUNT(fact_transactions[order_id]), {KNOWN_CUSTOMER_DAX})",
        sql=_nonzero(f"COUNT(DISTINCT CASE WHEN {KNOWN_CUSTOMER_SQL} THEN f.order_id END)"),
        fact="fact_transactions",
    ),
    Measure(
        "Ordering Customers", "customer_behaviour", "fact_transactions", "count",
        "Known customers with at least one order that has a payment.",
        dax=f"CALCULATE(DISTINCTCOUNT(fact_transactions[customer_key]), {KNOWN_CUSTOMER_DAX})",
        sql=_nonzero(f"COUNT(DISTINCT CASE WHEN {KNOWN_CUSTOMER_SQL} THEN f.customer_key END)"),
        fact="fact_transactions",
    ),
    Measure(
        "Repeat Customers", "customer_behaviour", "fact_transactions", "count",
        "Known customers with two or more orders that have a payment.",
        dax="COUNTROWS(FILTER(VALUES(fact_transactions[customer_key]), [Customer Orders] >= 2))",
        sql=_nonzero("COUNT(CASE WHEN g.inner_value >= 2 THEN 1 END)"),
        fact="fact_transactions",
        per="f.customer_key",
        inner=f"COUNT(DISTINCT CASE WHEN {KNOWN_CUSTOMER_SQL} THEN f.order_id END)",
    ),
    Measure(
        "Repeat Customer Rate", "customer_behaviour", "fact_transactions", "percent",
        "Share of ordering customers who ordered more than once.",
        dax=_divide("Repeat Customers", "Ordering Customers"),
        sql=_ratio("Repeat Customers", "Ordering Customers"),
    ),
    Measure(
        "Captured Payments", "customer_behaviour", "fact_transactions", "currency",
        "Captured payment amounts of known customers, in US dollars.",
        dax=(
            "CALCULATE(\n"
            "    SUM(fact_transactions[amount_usd]),\n"
            "    KEEPFILTERS(fact_transactions[payment_status] = \"CAPTURED\"),\n"
            f"    {KNOWN_CUSTOMER_DAX}\n"
            ")"
        ),
        sql=f"SUM(CASE WHEN f.payment_status = 'CAPTURED' AND {KNOWN_CUSTOMER_SQL} THEN f.amount_usd END)",
        fact="fact_transactions",
    ),
    Measure(
        "Customer Lifetime Value", "customer_behaviour", "fact_transactions", "currency",
        "Captured payments per ordering customer over the whole loaded history.",
        dax=_divide("Captured Payments", "Ordering Customers"),
        sql=_ratio("Captured Payments", "Ordering Customers"),
    ),
)


def _event_count_dax(event_type: str) -> str:
    return (
        "CALCULATE(\n"
        "    COUNTROWS(fact_campaign_interactions),\n"
        f"    KEEPFILTERS(fact_campaign_interactions[event_type] = \"{event_type}\")\n"
        ")"
    )


def _event_count_sql(event_type: str) -> str:
    return _nonzero(f"COUNT(CASE WHEN f.event_type = '{event_type}' THEN 1 END)")


def _attributed_dax(expression: str, extra_filter: str = "") -> str:
    return (
        "CALCULATE(\n"
        f"    {expression},\n"
        "    KEEPFILTERS(fact_transactions[payment_status] = \"CAPTURED\"),\n"
        f"    KEEPFILTERS(fact_transactions[campaign_key] <> -1){extra_filter}\n"
        ")"
    )


CAMPAIGN_MEASURES = (
    Measure(
        "Emails Sent", "campaign_effectiveness", "fact_campaign_interactions", "count",
        "Campaign e-mails sent (sent events).",
        dax=_event_count_dax("sent"),
        sql=_event_count_sql("sent"),
        fact="fact_campaign_interactions",
    ),
    Measure(
        "Opens", "campaign_effectiveness", "fact_campaign_interactions", "count",
        "Campaign e-mail open events.",
        dax=_event_count_dax("open"),
        sql=_event_count_sql("open"),
        fact="fact_campaign_interactions",
    ),
    Measure(
        "Clicks", "campaign_effectiveness", "fact_campaign_interactions", "count",
        "Campaign e-mail click events.",
        dax=_event_count_dax("click"),
        sql=_event_count_sql("click"),
        fact="fact_campaign_interactions",
    ),
    Measure(
        "Open Rate", "campaign_effectiveness", "fact_campaign_interactions", "percent",
        "Opens per e-mail sent.",
        dax=_divide("Opens", "Emails Sent"),
        sql=_ratio("Opens", "Emails Sent"),
    ),
    Measure(
        "Click-Through Rate", "campaign_effectiveness", "fact_campaign_interactions", "percent",
        "Clicks per e-mail sent.",
        dax=_divide("Clicks", "Emails Sent"),
        sql=_ratio("Clicks", "Emails Sent"),
    ),
    Measure(
        "Attributed Orders", "campaign_effectiveness", "fact_transactions", "count",
        "Distinct orders with a captured payment attributed to a campaign.",
        dax=_attributed_dax("DISTINCTCOUNT(fact_transactions[order_id])"),
        sql=_nonzero(f"COUNT(DISTINCT CASE WHEN {ATTRIBUTED_PAYMENT_SQL} THEN f.order_id END)"),
        fact="fact_transactions",
    ),
    Measure(
        "Conversion Rate", "campaign_effectiveness", "fact_transactions", "percent",
        "Attributed orders per click; above 100 % when one click-through leads to several orders within 7 days.",
        dax=_divide("Attributed Orders", "Clicks"),
        sql=_ratio("Attributed Orders", "Clicks"),
    ),
    Measure(
        "Attributed Revenue", "campaign_effectiveness", "fact_transactions", "currency",
        "Captured payments in US dollars attributed to a campaign.",
        dax=_attributed_dax("SUM(fact_transactions[amount_usd])"),
        sql=f"SUM(CASE WHEN {ATTRIBUTED_PAYMENT_SQL} THEN f.amount_usd END)",
        fact="fact_transactions",
    ),
    Measure(
        "Campaign Budget", "campaign_effectiveness", "dim_campaign", "currency",
        "Sum of campaign budgets.",
        dax="SUM(dim_campaign[budget])",
        sql="SUM(f.budget)",
        fact="dim_campaign",
    ),
    Measure(
        "Budgeted Attributed Revenue", "campaign_effectiveness", "fact_transactions", "currency",
        "Attributed revenue of campaigns that have a budget.",
        dax=_attributed_dax("SUM(fact_transactions[amount_usd])", ",\n    KEEPFILTERS(dim_campaign[budget] > 0)"),
        sql=f"SUM(CASE WHEN {ATTRIBUTED_PAYMENT_SQL} AND dim_campaign.budget > 0 THEN f.amount_usd END)",
        fact="fact_transactions",
        joins=("dim_campaign",),
    ),
    Measure(
        "Return on Spend", "campaign_effectiveness", "fact_transactions", "decimal",
        "Attributed revenue per unit of budget, over campaigns that have a budget.",
        dax=_divide("Budgeted Attributed Revenue", "Campaign Budget"),
        sql=_ratio("Budgeted Attributed Revenue", "Campaign Budget"),
    ),
)


def _human_sessions_dax(expression: str, extra_filter: str = "") -> str:
    return (
        "CALCULATE(\n"
        f"    {expression},\n"
        f"    KEEPFILTERS(fact_network_traffic[is_bot] = FALSE()){extra_filter}\n"
        ")"
    )


TRAFFIC_MEASURES = (
    Measure(
        "Sessions", "network_traffic", "fact_network_traffic", "count",
        "Sessions of human visitors (bots excluded).",
        dax=_human_sessions_dax("COUNTROWS(fact_network_traffic)"),
        sql=_nonzero(f"COUNT(CASE WHEN {HUMAN_SESSION_SQL} THEN 1 END)"),
        fact="fact_network_traffic",
    ),
    Measure(
        "Page Views", "network_traffic", "fact_network_traffic", "count",
        "Page views in human sessions.",
        dax=_human_sessions_dax("SUM(fact_network_traffic[page_views])"),
        sql=f"SUM(CASE WHEN {HUMAN_SESSION_SQL} THEN f.page_views END)",
        fact="fact_network_traffic",
    ),
    Measure(
        "Page Views per Session", "network_traffic", "fact_network_traffic", "decimal",
        "Page views per human session.",
        dax=_divide("Page Views", "Sessions"),
        sql=_ratio("Page Views", "Sessions"),
    ),
    Measure(
        "Bounced Sessions", "network_traffic", "fact_network_traffic", "count",
        "Human sessions marked as bounces.",
        dax=_human_sessions_dax("COUNTROWS(fact_network_traffic)", ",\n    KEEPFILTERS(fact_network_traffic[is_bounce] = TRUE())"),
        sql=_nonzero(f"COUNT(CASE WHEN {HUMAN_SESSION_SQL} AND f.is_bounce THEN 1 END)"),
        fact="fact_network_traffic",
    ),
    Measure(
        "Bounce Rate", "network_traffic", "fact_network_traffic", "percent",
        "Share of human sessions that bounced.",
        dax=_divide("Bounced Sessions", "Sessions"),
        sql=_ratio("Bounced Sessions", "Sessions"),
    ),
    Measure(
        "Sessions with Errors", "network_traffic", "fact_network_traffic", "count",
        "Human sessions with at least one 4xx or 5xx response.",
        dax=_human_sessions_dax(
            "COUNTROWS(fact_network_traffic)",
            ",\n    KEEPFILTERS(fact_network_traffic[errors_4xx] + fact_network_traffic[errors_5xx] > 0)",
        ),
        sql=_nonzero(
            f"COUNT(CASE WHEN {HUMAN_SESSION_SQL} AND COALESCE(f.errors_4xx, 0) + COALESCE(f.errors_5xx, 0) > 0 THEN 1 END)"
        ),
        fact="fact_network_traffic",
    ),
    Measure(
        "Error Rate", "network_traffic", "fact_network_traffic", "percent",
        "Share of human sessions with at least one 4xx or 5xx response.",
        dax=_divide("Sessions with Errors", "Sessions"),
        sql=_ratio("Sessions with Errors", "Sessions"),
    ),
    Measure(
        "Average Session Duration", "network_traffic", "fact_network_traffic", "seconds",
        "Mean duration of human sessions, in seconds.",
        dax=_human_sessions_dax("AVERAGE(fact_network_traffic[duration_s])"),
        sql=f"AVG(CASE WHEN {HUMAN_SESSION_SQL} THEN CAST(f.duration_s AS DOUBLE PRECISION) END)",
        fact="fact_network_traffic",
    ),
)

MEASURES: tuple[Measure, ...] = PRODUCT_MEASURES + CUSTOMER_MEASURES + CAMPAIGN_MEASURES + TRAFFIC_MEASURES


def measure(name: str) -> Measure:
    """Return the measure called `name`."""
    for candidate in MEASURES:
        if candidate.name == name:
            return candidate
    raise KeyError(f"measure {name!r} not found; known measures: {', '.join(m.name for m in MEASURES)}")
