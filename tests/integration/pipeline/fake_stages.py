"""Small stand-in stages that write contract-shaped data to the test stack's real S3 and PostgreSQL.

The orchestration tests run the real DAG with `[pipeline] stage_module` set to
this module, so they exercise retries, alerts, gates and backfills without
the Spark jobs. Each stage is idempotent for its date: it overwrites its S3
keys and replaces the date's warehouse rows in one transaction.

`SHOPLAKE_FAKE_PLANT` = `duplicate_payment` makes `warehouse_copy` load one
payment twice, so the warehouse gate fails on uniqueness.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
from datetime import UTC, date, datetime, timedelta

ROWS_PER_DAY = 6
CUSTOMERS = 4
CAMPAIGN = "CMP-1"
FACTS = ("fact_transactions", "fact_product_sales", "fact_network_traffic", "fact_campaign_interactions")
STAR_DDL = """
CREATE SCHEMA IF NOT EXISTS star;
CREATE TABLE IF NOT EXISTS star.dim_date (date_key int PRIMARY KEY, calendar_date date, year int, quarter int,
  month int, day_of_month int, day_of_week int, is_weekend boolean);
CREATE TABLE IF NOT EXISTS star.dim_customer (customer_key bigint, customer_id bigint, email_hash text, country text,
  city text, signup_date date, segment text);
CREATE TABLE IF NOT EXISTS star.dim_product (product_key bigint, product_id text, name text, category text,
  price numeric(12,2), currency text, valid_from timestamp, valid_to timestamp, is_current boolean);
CREATE TABLE IF NOT EXISTS star.dim_campaign (campaign_key bigint, campaign_id text, name text, channel text,
  start_date date, end_date date, budget numeric(12,2), currency text);
CREATE TABLE IF NOT EXISTS star.fact_transactions (payment_id bigint, order_id bigint, date_key int, customer_key bigint,
  campaign_key bigint, payment_ts timestamp, amount numeric(12,2), currency text, amount_usd numeric(14,2),
  payment_status text, payment_method text, coupon_code text);
CREATE TABLE IF NOT EXISTS star.fact_product_sales (order_id bigint, line_no int, date_key int, product_key bigint,
  customer_key bigint, quantity int, unit_price numeric(12,2), line_amount numeric(12,2), currency text,
  order_status text);
CREATE TABLE IF NOT EXISTS star.fact_network_traffic (session_id text, date_key int, customer_key bigint,
  campaign_key bigint, session_start timestamp, session_end timestamp, duration_s int, page_views int, is_bot boolean,
  device_class text);
CREATE TABLE IF NOT EXISTS star.fact_campaign_interactions (event_id text, date_key int, campaign_key bigint,
  customer_key bigint, event_type text, event_ts timestamp);
"""


def _s3():
    from shoplake import aws

    return aws.client("s3")


def _put(bucket: str, key: str, body: bytes) -> None:
    _s3().put_object(Bucket=bucket, Key=key, Body=body)


def _parquet(rows: list[dict]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), sink)
    return sink.getvalue()


def _ts(day: date, index: int) -> datetime:
    return datetime(day.year, day.month, day.day, 1 + index, 0, tzinfo=UTC)


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _key(day: date) -> int:
    return int(day.strftime("%Y%m%d"))


def _order_id(day: date, index: int) -> int:
    return _key(day) * 100 + index


def access_logs(settings, day):
    records = []
    for index in range(ROWS_PER_DAY):
        records.append({
            "record_id": hashlib.sha256(f"{day}:{index}".encode()).hexdigest(), "source_key": f"fake/{day}",
            "line_number": index + 1, "ts": _iso(_ts(day, index)), "dt": day.isoformat(),
            "client_ip_hash": hashlib.sha256(f"ip{index}".encode()).hexdigest(), "method": "GET",
            "path": f"/products/P-{index}", "status": 200, "bytes": 512, "user_agent": "Mozilla/5.0",
            "device_class": "desktop", "is_bot": False, "event_type": "page_view", "truncated": False,
        })
    body = gzip.compress("".join(json.dumps(record) + "\n" for record in records).encode())
    _put(settings.buckets.staging, f"access_logs/dt={day}/shoplake-access-logs-fake.gz", body)
    return {"records": len(records), "quarantined": 0}


def campaign_events(settings, day):
    events = [{"event_id": f"e-{day}-{index}", "campaign_id": CAMPAIGN, "customer_id": index % CUSTOMERS + 1,
               "event_type": "open", "channel": "email", "ts": _iso(_ts(day, index)),
               "kinesis_sequence_number": str(index), "kinesis_shard_id": "shardId-000000000000"}
              for index in range(ROWS_PER_DAY)]
    body = "".join(json.dumps(event) + "\n" for event in events).encode()
    _put(settings.buckets.staging, f"campaign_events/dt={day}/shardId-000000000000-0-5.jsonl", body)
    return {"events": len(events)}


def source_db(settings, day):
    commit = _ts(day, 0)
    orders = [{"Op": "I", "dms_commit_ts": commit, "order_id": _order_id(day, index), "customer_id": index % CUSTOMERS + 1,
               "order_ts": _ts(day, index), "status": "PAID", "currency": "EUR", "total_amount": 10.0 + index}
              for index in range(ROWS_PER_DAY)]
    payments = [{"Op": "I", "dms_commit_ts": commit, "payment_id": _order_id(day, index), "order_id": _order_id(day, index),
                 "paid_at": _ts(day, index), "amount": 10.0 + index, "currency": "EUR", "method": "card",
                 "status": "CAPTURED"} for index in range(ROWS_PER_DAY)]
    customers = [{"Op": "I", "dms_commit_ts": commit, "customer_id": index + 1, "email": f"c{index}@shop.example",
                  "country": "DE", "signup_at": commit} for index in range(CUSTOMERS)]
    name = f"{day:%Y%m%d}-000000000.parquet"
    for table, rows in (("orders", orders), ("payments", payments), ("customers", customers)):
        _put(settings.buckets.staging, f"dms/shop/{table}/{name}", _parquet(rows))
    return {"orders": len(orders), "payments": len(payments), "customers": len(customers)}


def catalog(settings, day):
    rows = [{"sku": f"P-{index}", "name": f"Product {index}", "price": 5.0 + index} for index in range(3)]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=["sku", "name", "price"])
    writer.writeheader()
    writer.writerows(rows)
    _put(settings.buckets.raw, f"catalog/dt={day}/catalog.csv", text.getvalue().encode())
    staged = [dict(row, source_file="catalog.csv", source_line=index + 2) for index, row in enumerate(rows)]
    _put(settings.buckets.staging, f"catalog/dt={day}/part-00000.parquet", _parquet(staged))
    return {"rows_in": len(rows), "rows_out": len(rows), "quarantined": 0}


def cdc_apply(settings, day):
    return {"tables": 3}


def clean_conform(settings, day):
    return {"entities": 9}


def customer_360(settings, day):
    return {"customers": CUSTOMERS}


def star_schema(settings, day):
    extracts = _fact_rows(day)
    for table, rows in extracts.items():
        _put(settings.buckets.curated, f"extracts/{table}/dt={day}/part-00000.parquet", _parquet(rows))
    return {table: len(rows) for table, rows in extracts.items()}


def warehouse_schema(settings, day):
    return {"ddl_files": 0}


def warehouse_copy(settings, day):
    import psycopg2

    facts = _fact_rows(day)
    if os.environ.get("SHOPLAKE_FAKE_PLANT") == "duplicate_payment":
        facts["fact_transactions"].append(dict(facts["fact_transactions"][0]))
    with psycopg2.connect(settings.warehouse_dsn()) as connection, connection.cursor() as cursor:
        _drop_real_star_schema(cursor)
        cursor.execute(STAR_DDL)
        _replace_dimensions(cursor, day)
        for table, rows in facts.items():
            cursor.execute(f"DELETE FROM star.{table} WHERE date_key = %s", (_key(day),))
            columns = list(rows[0])
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO star.{table} ({', '.join(columns)}) VALUES ({placeholders})",
                               [tuple(row[column] for column in columns) for row in rows])
    connection.close()
    return {table: len(rows) for table, rows in facts.items()}


def dashboard(settings, day):
    out = settings.data_dir / "dashboard"
    out.mkdir(parents=True, exist_ok=True)
    (out / "index.html").write_text(f"<html><body>fake dashboard for {day}</body></html>")
    return {"path": str(out / "index.html")}


def _drop_real_star_schema(cursor) -> None:
    """Drop the real warehouse tables an earlier real-stage run created, since these stand-ins use a smaller layout."""
    cursor.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = 'star' AND table_name = 'dim_date' "
                   "AND column_name = 'month_name'")
    if cursor.fetchone() is not None:
        cursor.execute("DROP SCHEMA IF EXISTS mart CASCADE; DROP SCHEMA star CASCADE")


def _replace_dimensions(cursor, day: date) -> None:
    cursor.execute("DELETE FROM star.dim_date WHERE date_key = %s", (_key(day),))
    cursor.execute("INSERT INTO star.dim_date VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                   (_key(day), day, day.year, (day.month - 1) // 3 + 1, day.month, day.day, day.isoweekday(),
                    day.isoweekday() >= 6))
    cursor.execute("DELETE FROM star.dim_customer; DELETE FROM star.dim_product; DELETE FROM star.dim_campaign")
    customers = [(-1, None, None, None, None, None, "unknown")]
    customers += [(index, index, hashlib.sha256(f"c{index}".encode()).hexdigest(), "DE", "Berlin", date(2026, 1, 1),
                   "new") for index in range(1, CUSTOMERS + 1)]
    cursor.executemany("INSERT INTO star.dim_customer VALUES (%s, %s, %s, %s, %s, %s, %s)", customers)
    products = [(-1, None, "unknown", None, None, None, None, None, True)]
    products += [(index + 1, f"P-{index}", f"Product {index}", "shoes", 5 + index, "EUR", datetime(2026, 1, 1),
                  None, True) for index in range(3)]
    cursor.executemany("INSERT INTO star.dim_product VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", products)
    cursor.executemany("INSERT INTO star.dim_campaign VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                       [(-1, None, "unknown", None, None, None, None, None),
                        (1, CAMPAIGN, "Spring", "email", date(2026, 11, 1), date(2026, 11, 30), 1000, "EUR")])


def _fact_rows(day: date) -> dict[str, list[dict]]:
    key = _key(day)
    naive = lambda index: _ts(day, index).replace(tzinfo=None)  # noqa: E731
    rows = {table: [] for table in FACTS}
    for index in range(ROWS_PER_DAY):
        order_id, customer_key = _order_id(day, index), index % CUSTOMERS + 1
        rows["fact_transactions"].append({
            "payment_id": order_id, "order_id": order_id, "date_key": key, "customer_key": customer_key,
            "campaign_key": 1, "payment_ts": naive(index), "amount": 10.0 + index, "currency": "EUR",
            "amount_usd": 11.0 + index, "payment_status": "CAPTURED", "payment_method": "card", "coupon_code": None})
        rows["fact_product_sales"].append({
            "order_id": order_id, "line_no": 1, "date_key": key, "product_key": index % 3 + 1,
            "customer_key": customer_key, "quantity": 1, "unit_price": 10.0 + index, "line_amount": 10.0 + index,
            "currency": "EUR", "order_status": "PAID"})
        rows["fact_network_traffic"].append({
            "session_id": f"s-{key}-{index}", "date_key": key, "customer_key": customer_key, "campaign_key": -1,
            "session_start": naive(index), "session_end": naive(index) + timedelta(minutes=5), "duration_s": 300,
            "page_views": 3, "is_bot": False, "device_class": "desktop"})
        rows["fact_campaign_interactions"].append({
            "event_id": f"e-{day}-{index}", "date_key": key, "campaign_key": 1, "customer_key": customer_key,
            "event_type": "open", "event_ts": naive(index)})
    return rows
