"""Fixtures for the warehouse tests: private buckets and database, and small Parquet extracts.

The extracts follow the contract layout `extracts/<table>/dt=YYYY-MM-DD/` and
are written the way Spark writes them (INT96 timestamps, int32 and int64
columns, a `_SUCCESS` marker), so the loader's casts and checks run as they do
on the Glue job's output.
"""

from __future__ import annotations

import dataclasses
import io
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

STAR_TABLE_NAMES = ("dim_date", "dim_product", "dim_customer", "dim_campaign", "fact_network_traffic",
                    "fact_transactions", "fact_product_sales", "fact_campaign_interactions")


@pytest.fixture(scope="module")
def warehouse(stack):
    """Settings pointing at four new buckets and a new warehouse database, with the DDL applied."""
    import boto3
    import psycopg2
    from psycopg2 import sql

    from shoplake.settings import Buckets
    from warehouse.ddl import apply_ddl

    suffix = uuid.uuid4().hex[:8]
    buckets = Buckets(raw=f"wh-raw-{suffix}", staging=f"wh-staging-{suffix}",
                      curated=f"wh-curated-{suffix}", quarantine=f"wh-quarantine-{suffix}")
    s3 = boto3.client("s3")
    for bucket in buckets.all():
        s3.create_bucket(Bucket=bucket)

    database = f"wh_test_{suffix}"
    admin = psycopg2.connect(stack.source_dsn())
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))

    settings = dataclasses.replace(stack, buckets=buckets, warehouse_db=database)
    apply_ddl(settings)
    yield settings

    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
    admin.close()


@dataclasses.dataclass
class Kit:
    """What a warehouse test needs: settings, a connection to the test database and the extract writers."""

    settings: Any
    connection: Any

    def query(self, text: str, params: tuple = ()) -> list[tuple]:
        return query(self.connection, text, params)

    def checksums(self) -> dict[str, tuple[int, str]]:
        return table_checksums(self.connection)

    def write_extract(self, table: str, day: date, data: pa.Table, parts: int = 1) -> None:
        write_extract(self.settings, table, day, data, parts)

    def write_extracts(self, day: date, tables: dict[str, pa.Table], int96: bool = True) -> None:
        write_extracts(self.settings, day, tables, int96)

    def sample_extracts(self, day: date, customers: int = 3) -> dict[str, pa.Table]:
        return sample_extracts(day, customers)


@pytest.fixture
def kit(warehouse):
    """A Kit on the module's test warehouse, with its own autocommit connection."""
    import psycopg2

    connection = psycopg2.connect(warehouse.warehouse_dsn())
    connection.autocommit = True
    yield Kit(warehouse, connection)
    connection.close()


def query(connection, text: str, params: tuple = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(text, params)
        return cursor.fetchall()


def table_checksums(connection) -> dict[str, tuple[int, str]]:
    """Return (row count, order-independent md5 of all rows) for every star table."""
    from psycopg2 import sql

    checksums = {}
    for name in STAR_TABLE_NAMES:
        statement = sql.SQL(
            "SELECT COUNT(*), COALESCE(md5(string_agg(md5(t::text), ',' ORDER BY md5(t::text))), '') FROM {} AS t"
        ).format(sql.Identifier("star", name))
        count, digest = query(connection, statement.as_string(connection))[0]
        checksums[name] = (int(count), digest)
    return checksums


def write_extract(settings, table: str, day: date, data: pa.Table, parts: int = 1, int96: bool = True) -> None:
    """Replace the extract of `table` for `day` with `data`, split into `parts` Parquet objects.

    `int96` writes timestamps as Spark does by default; pyarrow converts them to
    nanoseconds first, which overflows outside 1677-2262, so tests of such
    years write INT64 microseconds (Spark's TIMESTAMP_MICROS) instead.
    """
    import boto3

    s3 = boto3.client("s3")
    bucket = settings.buckets.curated
    prefix = f"extracts/{table}/dt={day.isoformat()}/"
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])

    step = max(1, -(-data.num_rows // parts))
    for index in range(parts):
        sink = io.BytesIO()
        pq.write_table(data.slice(index * step, step), sink, use_deprecated_int96_timestamps=int96)
        s3.put_object(Bucket=bucket, Key=f"{prefix}part-{index:05d}-{uuid.uuid4().hex[:6]}.snappy.parquet",
                      Body=sink.getvalue())
    s3.put_object(Bucket=bucket, Key=f"{prefix}_SUCCESS", Body=b"")


def write_extracts(settings, day: date, tables: dict[str, pa.Table], int96: bool = True) -> None:
    for name, data in tables.items():
        write_extract(settings, name, day, data, int96=int96)


def date_key(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def sample_extracts(day: date, customers: int = 3) -> dict[str, pa.Table]:
    """Return a small, consistent extract of every star table for `day` (unknown members included)."""
    key = date_key(day)
    start = datetime(day.year, day.month, day.day, 9, 30)
    customer_keys = list(range(1, customers + 1))
    return {
        "dim_date": _dim_date([day]),
        "dim_product": pa.table({
            "product_key": pa.array([-1, 1, 2], pa.int64()),
            "product_id": ["unknown", "P-001", "P-002"],
            "name": ["Unknown", "Trail Shoe", "Road Shoe"],
            "description": [None, "Lightweight.\nWaterproof upper.", 'Says "fast"'],
            "category": ["unknown", "shoes", "shoes"],
            "price": pa.array([None, Decimal("89.90"), Decimal("79.00")], pa.decimal128(12, 2)),
            "currency": [None, "EUR", "EUR"],
            "valid_from": pa.array([datetime(1900, 1, 1), datetime(2024, 1, 1), datetime(2024, 1, 1)], pa.timestamp("us")),
            "valid_to": pa.array([None, None, None], pa.timestamp("us")),
            "is_current": [True, True, True],
        }),
        "dim_customer": pa.table({
            "customer_key": pa.array([-1, *customer_keys], pa.int64()),
            "customer_id": pa.array([None, *(1000 + k for k in customer_keys)], pa.int64()),
            "email_hash": [None, *(f"{k:064x}" for k in customer_keys)],
            "country": [None, *(["DE", "FR", "US"] * customers)[:customers]],
            "city": [None, *(["Zürich", "Lyon", "Austin"] * customers)[:customers]],
            "signup_date": pa.array([None, *([date(2023, 5, 1)] * customers)], pa.date32()),
            "first_order_date": pa.array([None, *([date(2024, 1, 3)] * customers)], pa.date32()),
            "segment": ["unknown", *(["new"] * customers)],
        }),
        "dim_campaign": pa.table({
            "campaign_key": pa.array([-1, 1], pa.int64()),
            "campaign_id": ["unknown", "spring"],
            "name": ["Unknown", "Spring sale"],
            "channel": [None, "email"],
            "start_date": pa.array([None, date(2024, 2, 1)], pa.date32()),
            "end_date": pa.array([None, date(2024, 3, 31)], pa.date32()),
            "budget": pa.array([None, Decimal("5000.00")], pa.decimal128(12, 2)),
            "currency": [None, "EUR"],
        }),
        "fact_network_traffic": _sessions(day, key, start, customer_keys),
        "fact_transactions": _payments(key, start, customer_keys),
        "fact_product_sales": _order_lines(key, customer_keys),
        "fact_campaign_interactions": pa.table({
            "event_id": [f"e-{key}-{n}" for n in range(3)],
            "date_key": pa.array([key] * 3, pa.int32()),
            "campaign_key": pa.array([1, 1, 1], pa.int64()),
            "customer_key": pa.array([1, 1, 2], pa.int64()),
            "event_type": ["sent", "open", "click"],
            "event_ts": pa.array([start + timedelta(minutes=n) for n in range(3)], pa.timestamp("us")),
        }),
    }


def _dim_date(days: list[date]) -> pa.Table:
    return pa.table({
        "date_key": pa.array([date_key(d) for d in days], pa.int32()),
        "calendar_date": pa.array(days, pa.date32()),
        "year": pa.array([d.year for d in days], pa.int32()),
        "quarter": pa.array([(d.month - 1) // 3 + 1 for d in days], pa.int32()),
        "month": pa.array([d.month for d in days], pa.int32()),
        "month_name": [d.strftime("%B") for d in days],
        "day_of_month": pa.array([d.day for d in days], pa.int32()),
        "day_of_week": pa.array([d.isoweekday() for d in days], pa.int32()),
        "day_name": [d.strftime("%A") for d in days],
        "week_of_year": pa.array([d.isocalendar()[1] for d in days], pa.int32()),
        "is_weekend": [d.isoweekday() >= 6 for d in days],
    })


def _sessions(day: date, key: int, start: datetime, customer_keys: list[int]) -> pa.Table:
    owners = [-1, *customer_keys]
    count = len(owners)
    return pa.table({
        "session_id": [f"s-{key}-{n}" for n in range(count)],
        "date_key": pa.array([key] * count, pa.int32()),
        "customer_key": pa.array(owners, pa.int64()),
        "campaign_key": pa.array([-1, 1, *([-1] * (count - 2))], pa.int64()),
        "session_start": pa.array([start + timedelta(minutes=n) for n in range(count)], pa.timestamp("us")),
        "session_end": pa.array([start + timedelta(minutes=n + 5) for n in range(count)], pa.timestamp("us")),
        "duration_s": pa.array([300] * count, pa.int64()),
        "page_views": pa.array([n + 1 for n in range(count)], pa.int64()),
        "click_events": pa.array([n for n in range(count)], pa.int64()),
        "asset_requests": pa.array([2 * n for n in range(count)], pa.int64()),
        "bytes_sent": pa.array([1024 * (n + 1) for n in range(count)], pa.int64()),
        "errors_4xx": pa.array([0] * count, pa.int64()),
        "errors_5xx": pa.array([0] * count, pa.int64()),
        "is_bot": [n == 0 for n in range(count)],
        "device_class": ["bot", *(["desktop", "mobile"] * count)[: count - 1]],
        "landing_path": ["/", *([f"/products/{n}" for n in range(1, count)])],
        "is_bounce": [n % 2 == 0 for n in range(count)],
    })


def _payments(key: int, start: datetime, customer_keys: list[int]) -> pa.Table:
    count = len(customer_keys)
    coupons = ([None, "", "None"] * count)[:count]
    return pa.table({
        "payment_id": pa.array([key * 100 + n for n in range(count)], pa.int64()),
        "order_id": pa.array([key * 10 + n for n in range(count)], pa.int64()),
        "date_key": pa.array([key] * count, pa.int32()),
        "customer_key": pa.array(customer_keys, pa.int64()),
        "campaign_key": pa.array([1, *([-1] * (count - 1))], pa.int64()),
        "payment_ts": pa.array([start + timedelta(hours=n) for n in range(count)], pa.timestamp("us")),
        "amount": pa.array([Decimal("89.90")] * count, pa.decimal128(12, 2)),
        "currency": ["EUR"] * count,
        "amount_usd": pa.array([Decimal("97.99")] * count, pa.decimal128(14, 2)),
        "payment_status": ["CAPTURED"] * count,
        "payment_method": ["card"] * count,
        "coupon_code": coupons,
    })


def _order_lines(key: int, customer_keys: list[int]) -> pa.Table:
    rows: dict[str, list[Any]] = {name: [] for name in (
        "order_id", "line_no", "date_key", "product_key", "customer_key", "quantity", "unit_price",
        "line_amount", "currency", "line_amount_usd", "order_status")}
    for n, customer in enumerate(customer_keys):
        for line_no in (1, 2):
            rows["order_id"].append(key * 10 + n)
            rows["line_no"].append(line_no)
            rows["date_key"].append(key)
            rows["product_key"].append(line_no)
            rows["customer_key"].append(customer)
            rows["quantity"].append(line_no)
            rows["unit_price"].append(Decimal("10.00"))
            rows["line_amount"].append(Decimal("10.00") * line_no)
            rows["currency"].append("EUR")
            rows["line_amount_usd"].append(Decimal("10.90") * line_no)
            rows["order_status"].append("PAID")
    types = {"order_id": pa.int64(), "line_no": pa.int32(), "date_key": pa.int32(), "product_key": pa.int64(),
             "customer_key": pa.int64(), "quantity": pa.int32(), "unit_price": pa.decimal128(12, 2),
             "line_amount": pa.decimal128(12, 2), "line_amount_usd": pa.decimal128(14, 2)}
    return pa.table({name: pa.array(values, types.get(name)) for name, values in rows.items()})
