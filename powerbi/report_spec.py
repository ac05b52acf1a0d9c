"""The report's pages and visuals: one page per insight area, shared by the PBIR report and the dashboard.

A visual shows measures, optionally sliced by one model column (its category).
Power BI evaluates the measures per category through the relationships; the
dashboard runs the measures' SQL grouped by the same column.
"""

from __future__ import annotations

from dataclasses import dataclass

from powerbi.measures import AREA_TITLES, AREAS

# Visual kinds and the Power BI visual type that draws each.
PBI_VISUAL_TYPES = {
    "cards": "multiRowCard",
    "bar": "clusteredBarChart",
    "column": "clusteredColumnChart",
    "line": "lineChart",
}


@dataclass(frozen=True)
class Visual:
    """One chart or card row; `sort` is "category" (ascending) or "value" (first measure, descending)."""

    name: str
    title: str
    kind: str
    measures: tuple[str, ...]
    category: tuple[str, str] | None = None
    sort: str = "category"
    top: int | None = None


@dataclass(frozen=True)
class Page:
    """One report page: an insight area, with a row of cards and up to four charts."""

    area: str
    visuals: tuple[Visual, ...]

    @property
    def name(self) -> str:
        return self.area

    @property
    def title(self) -> str:
        return AREA_TITLES[self.area]


CUSTOMER_PAGE = Page(
    "customer_behaviour",
    (
        Visual("customer_kpis", "Customers", "cards",
               ("Customers", "Ordering Customers", "Repeat Customer Rate", "Customer Lifetime Value")),
        Visual("customers_by_segment", "Customers by segment", "bar", ("Customers",),
               ("dim_customer", "segment"), sort="value"),
        Visual("lifetime_value_by_segment", "Customer lifetime value by segment", "column",
               ("Customer Lifetime Value",), ("dim_customer", "segment"), sort="value"),
        Visual("payments_by_country", "Captured payments by country (top 10)", "bar", ("Captured Payments",),
               ("dim_customer", "country"), sort="value", top=10),
        Visual("payments_by_method", "Captured payments by method", "column", ("Captured Payments",),
               ("fact_transactions", "payment_method"), sort="value"),
    ),
)

PRODUCT_PAGE = Page(
    "product_sales",
    (
        Visual("sales_kpis", "Sales", "cards", ("Revenue", "Orders", "Average Order Value", "Units Sold")),
        Visual("revenue_by_day", "Revenue by day", "line", ("Revenue",), ("dim_date", "calendar_date")),
        Visual("revenue_by_category", "Revenue by category", "bar", ("Revenue",),
               ("dim_product", "category"), sort="value"),
        Visual("top_products", "Top 10 products by revenue", "bar", ("Revenue",),
               ("dim_product", "name"), sort="value", top=10),
        Visual("units_by_category", "Units sold by category", "column", ("Units Sold",),
               ("dim_product", "category"), sort="value"),
    ),
)

CAMPAIGN_PAGE = Page(
    "campaign_effectiveness",
    (
        Visual("campaign_kpis", "Campaigns", "cards",
               ("Emails Sent", "Open Rate", "Click-Through Rate", "Conversion Rate", "Attributed Revenue",
                "Return on Spend")),
        Visual("funnel_by_campaign", "E-mails sent, opens, clicks and orders by campaign", "column",
               ("Emails Sent", "Opens", "Clicks", "Attributed Orders"), ("dim_campaign", "campaign_label")),
        Visual("rates_by_campaign", "Open, click-through and conversion rates by campaign", "column",
               ("Open Rate", "Click-Through Rate", "Conversion Rate"), ("dim_campaign", "campaign_label")),
        Visual("revenue_and_budget_by_campaign", "Attributed revenue and budget by campaign", "column",
               ("Attributed Revenue", "Campaign Budget"), ("dim_campaign", "campaign_label")),
        Visual("return_on_spend_by_campaign", "Return on spend by campaign", "bar", ("Return on Spend",),
               ("dim_campaign", "campaign_label"), sort="value"),
    ),
)

TRAFFIC_PAGE = Page(
    "network_traffic",
    (
        Visual("traffic_kpis", "Traffic", "cards",
               ("Sessions", "Page Views per Session", "Bounce Rate", "Error Rate", "Average Session Duration")),
        Visual("sessions_by_hour", "Sessions by hour of day (UTC)", "column", ("Sessions",),
               ("fact_network_traffic", "session_hour")),
        Visual("sessions_by_weekday", "Sessions by weekday", "column", ("Sessions",), ("dim_date", "day_name")),
        Visual("sessions_by_device", "Sessions by device class", "bar", ("Sessions",),
               ("fact_network_traffic", "device_class"), sort="value"),
        Visual("rates_by_day", "Bounce and error rates by day", "line", ("Bounce Rate", "Error Rate"),
               ("dim_date", "calendar_date")),
    ),
)

PAGES: tuple[Page, ...] = (CUSTOMER_PAGE, PRODUCT_PAGE, CAMPAIGN_PAGE, TRAFFIC_PAGE)


def page(area: str) -> Page:
    """Return the page of one insight area."""
    for candidate in PAGES:
        if candidate.area == area:
            return candidate
    raise KeyError(f"area {area!r} not found; known areas: {', '.join(AREAS)}")
