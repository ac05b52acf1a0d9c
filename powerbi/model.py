"""The semantic model's tables, columns and relationships: the warehouse's `star` schema.

Column names and order follow the star schema in docs/contracts.md. Each column
carries its TMDL data type (what Power BI stores) and its SQL type (what the
integration tests create in PostgreSQL when the warehouse DDL is not there).
"""

from __future__ import annotations

from dataclasses import dataclass

WAREHOUSE_SCHEMA = "star"
DATE_TABLE = "dim_date"
DATE_COLUMN = "calendar_date"


@dataclass(frozen=True)
class Column:
    """One model column; `m_expression` and `sql_expression` are set only for derived columns."""

    name: str
    data_type: str
    sql_type: str
    hidden: bool = False
    sort_by: str | None = None
    m_expression: str | None = None
    sql_expression: str | None = None

    @property
    def is_derived(self) -> bool:
        return self.m_expression is not None


@dataclass(frozen=True)
class Table:
    """One model table loaded from `star.<name>` in the warehouse."""

    name: str
    columns: tuple[Column, ...]
    description: str
    is_fact: bool = False
    direct_query_option: bool = False

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"column {name!r} not found in table {self.name!r}")

    def has_column(self, name: str) -> bool:
        return any(column.name == name for column in self.columns)


@dataclass(frozen=True)
class Relationship:
    """A many-to-one, single-direction relationship from a fact column to a dimension key."""

    from_table: str
    from_column: str
    to_table: str
    to_column: str

    @property
    def name(self) -> str:
        return f"{self.from_table}.{self.from_column} -> {self.to_table}.{self.to_column}"


def _key(name: str) -> Column:
    return Column(name, "int64", "BIGINT", hidden=True)


def _int(name: str) -> Column:
    return Column(name, "int64", "BIGINT")


def _text(name: str, sql_type: str = "VARCHAR(256)", **options: object) -> Column:
    return Column(name, "string", sql_type, **options)  # type: ignore[arg-type]


def _money(name: str, precision: int = 12) -> Column:
    return Column(name, "decimal", f"DECIMAL({precision},2)")


def _timestamp(name: str) -> Column:
    return Column(name, "dateTime", "TIMESTAMP")


def _date(name: str) -> Column:
    return Column(name, "dateTime", "DATE")


def _flag(name: str) -> Column:
    return Column(name, "boolean", "BOOLEAN")


DIM_DATE = Table(
    "dim_date",
    (
        _key("date_key"),
        _date("calendar_date"),
        _int("year"),
        _int("quarter"),
        _int("month"),
        _text("month_name", "VARCHAR(16)", sort_by="month"),
        _int("day_of_month"),
        _int("day_of_week"),
        _text("day_name", "VARCHAR(16)", sort_by="day_of_week"),
        _int("week_of_year"),
        _flag("is_weekend"),
    ),
    "Calendar dimension, one row per day; marked as the model's date table.",
)

DIM_PRODUCT = Table(
    "dim_product",
    (
        _key("product_key"),
        _text("product_id", "VARCHAR(64)"),
        _text("name"),
        _text("description", "VARCHAR(4096)"),
        _text("category", "VARCHAR(128)"),
        _money("price"),
        _text("currency", "CHAR(3)"),
        _timestamp("valid_from"),
        _timestamp("valid_to"),
        _flag("is_current"),
    ),
    "Product dimension, slowly changing type 2: one row per product version.",
)

DIM_CUSTOMER = Table(
    "dim_customer",
    (
        _key("customer_key"),
        Column("customer_id", "int64", "BIGINT"),
        _text("email_hash", "VARCHAR(64)", hidden=True),
        _text("country", "CHAR(2)"),
        _text("city", "VARCHAR(128)"),
        _date("signup_date"),
        _date("first_order_date"),
        _text("segment", "VARCHAR(64)"),
    ),
    "Customer dimension; e-mail addresses are stored only as hashes.",
)

DIM_CAMPAIGN = Table(
    "dim_campaign",
    (
        _key("campaign_key"),
        _text("campaign_id", "VARCHAR(64)"),
        _text("name"),
        _text("channel", "VARCHAR(32)"),
        _date("start_date"),
        _date("end_date"),
        _money("budget"),
        _text("currency", "CHAR(3)"),
        Column(
            "campaign_label",
            "string",
            "VARCHAR(320)",
            m_expression="Table.AddColumn({previous}, \"campaign_label\", "
            "each Text.Combine({{[name], \" (\" & [campaign_id] & \")\"}}), type text)",
            sql_expression="COALESCE({alias}.name || ' ', '') || '(' || {alias}.campaign_id || ')'",
        ),
    ),
    "Marketing campaign dimension; budget is in the campaign's own currency; charts slice by "
    "campaign_label (name and id), so campaigns that share a name stay apart.",
)

FACT_NETWORK_TRAFFIC = Table(
    "fact_network_traffic",
    (
        _text("session_id", "VARCHAR(64)"),
        _key("date_key"),
        _key("customer_key"),
        _key("campaign_key"),
        _timestamp("session_start"),
        _timestamp("session_end"),
        _int("duration_s"),
        _int("page_views"),
        _int("click_events"),
        _int("asset_requests"),
        _int("bytes_sent"),
        _int("errors_4xx"),
        _int("errors_5xx"),
        _flag("is_bot"),
        _text("device_class", "VARCHAR(16)"),
        _text("landing_path", "VARCHAR(2048)"),
        _flag("is_bounce"),
        Column(
            "session_hour",
            "int64",
            "BIGINT",
            m_expression="Table.AddColumn({previous}, \"session_hour\", each Time.Hour([session_start]), Int64.Type)",
            sql_expression="CAST(EXTRACT(HOUR FROM {alias}.session_start) AS INTEGER)",
        ),
    ),
    "Web sessions, one row per session (UTC).",
    is_fact=True,
    direct_query_option=True,
)

FACT_TRANSACTIONS = Table(
    "fact_transactions",
    (
        Column("payment_id", "int64", "BIGINT"),
        Column("order_id", "int64", "BIGINT"),
        _key("date_key"),
        _key("customer_key"),
        _key("campaign_key"),
        _timestamp("payment_ts"),
        _money("amount"),
        _text("currency", "CHAR(3)"),
        _money("amount_usd", 14),
        _text("payment_status", "VARCHAR(16)"),
        _text("payment_method", "VARCHAR(32)"),
        _text("coupon_code", "VARCHAR(64)"),
    ),
    "Payments, one row per payment.",
    is_fact=True,
)

FACT_PRODUCT_SALES = Table(
    "fact_product_sales",
    (
        Column("order_id", "int64", "BIGINT"),
        _int("line_no"),
        _key("date_key"),
        _key("product_key"),
        _key("customer_key"),
        _int("quantity"),
        _money("unit_price"),
        _money("line_amount"),
        _text("currency", "CHAR(3)"),
        _money("line_amount_usd", 14),
        _text("order_status", "VARCHAR(16)"),
    ),
    "Order lines, one row per order line.",
    is_fact=True,
)

FACT_CAMPAIGN_INTERACTIONS = Table(
    "fact_campaign_interactions",
    (
        _text("event_id", "VARCHAR(64)"),
        _key("date_key"),
        _key("campaign_key"),
        _key("customer_key"),
        _text("event_type", "VARCHAR(16)"),
        _timestamp("event_ts"),
    ),
    "Campaign e-mail events (sent, open, click), one row per event.",
    is_fact=True,
)

TABLES: tuple[Table, ...] = (
    DIM_DATE,
    DIM_PRODUCT,
    DIM_CUSTOMER,
    DIM_CAMPAIGN,
    FACT_NETWORK_TRAFFIC,
    FACT_TRANSACTIONS,
    FACT_PRODUCT_SALES,
    FACT_CAMPAIGN_INTERACTIONS,
)

_DIMENSION_KEYS = {
    "date_key": "dim_date",
    "product_key": "dim_product",
    "customer_key": "dim_customer",
    "campaign_key": "dim_campaign",
}


def _relationships() -> tuple[Relationship, ...]:
    found = []
    for table in TABLES:
        if not table.is_fact:
            continue
        for column in table.columns:
            dimension = _DIMENSION_KEYS.get(column.name)
            if dimension:
                found.append(Relationship(table.name, column.name, dimension, column.name))
    return tuple(found)


RELATIONSHIPS: tuple[Relationship, ...] = _relationships()


def table(name: str) -> Table:
    """Return the model table called `name`."""
    for candidate in TABLES:
        if candidate.name == name:
            return candidate
    raise KeyError(f"table {name!r} not found in the model; known tables: {', '.join(t.name for t in TABLES)}")


def relationship_between(fact: str, dimension: str) -> Relationship | None:
    """Return the relationship that lets `dimension` filter `fact`, or None."""
    for relationship in RELATIONSHIPS:
        if relationship.from_table == fact and relationship.to_table == dimension:
            return relationship
    return None
