"""Rows that would fail Redshift's COPY are quarantined before it, and the rest of the date loads.

The order dates 2024-02-29, 0202-04-17, infinity and 0000-01-01: the first two
load, with the year written with four digits; infinity and year 0 are
quarantined with a reason, and the load is not retried because of them.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime

import boto3
import pyarrow as pa
import pytest

from warehouse.load import load_date
from warehouse.temporal import UNIX_EPOCH_ORDINAL

pytestmark = pytest.mark.integration

YEAR_ZERO_DAY = date(1, 1, 1).toordinal() - UNIX_EPOCH_ORDINAL - 366  # 0000-01-01
INT64_MAX = 2**63 - 1  # how an infinite timestamp arrives in a Parquet INT64 column
MICROS_PER_DAY = 86_400 * 1_000_000


def _quarantined(kit, day: date, table: str) -> list[dict]:
    key = f"warehouse/dt={day.isoformat()}/{table}.jsonl"
    body = boto3.client("s3").get_object(Bucket=kit.settings.buckets.quarantine, Key=key)["Body"].read()
    return [json.loads(line) for line in body.decode("utf-8").splitlines()]


def _payments_with_order_dates(kit, day: date) -> pa.Table:
    payments = kit.sample_extracts(day, customers=4)["fact_transactions"]
    micros = [
        int((datetime(2024, 2, 29, 12) - datetime(1970, 1, 1)).total_seconds()) * 1_000_000,
        int((datetime(202, 4, 17, 8, 15) - datetime(1970, 1, 1)).total_seconds()) * 1_000_000,
        INT64_MAX,
        YEAR_ZERO_DAY * MICROS_PER_DAY,
    ]
    index = payments.column_names.index("payment_ts")
    return payments.set_column(index, "payment_ts", pa.array(micros, pa.int64()).cast(pa.timestamp("us")))


def test_timestamps_out_of_range_are_quarantined(kit):
    day = date(2024, 4, 1)
    extracts = kit.sample_extracts(day, customers=4)
    extracts["fact_transactions"] = _payments_with_order_dates(kit, day)
    kit.write_extracts(day, extracts, int96=False)

    counts = load_date(kit.settings, day)

    assert counts["fact_transactions"] == {"read": 4, "loaded": 2, "rejected": 2}
    loaded = kit.query("SELECT to_char(payment_ts, 'YYYY-MM-DD HH24:MI') FROM star.fact_transactions "
                       "WHERE date_key = 20240401 ORDER BY payment_ts")
    assert loaded == [("0202-04-17 08:15",), ("2024-02-29 12:00",)]

    records = _quarantined(kit, day, "fact_transactions")
    assert [record["reason"] for record in records] == ["infinite_date", "date_out_of_range"]
    assert [record["offset"] for record in records] == [3, 4]
    assert all(record["stage"] == "warehouse" for record in records)
    assert all(record["source"].startswith(f"s3://{kit.settings.buckets.curated}/extracts/fact_transactions/")
               for record in records)
    rows = [json.loads(base64.b64decode(record["raw_b64"])) for record in records]
    assert [row["payment_ts"] for row in rows] == ["infinity", "0000-01-01 00:00:00"]


def test_text_dates_out_of_range_are_quarantined(kit):
    day = date(2024, 4, 2)
    extracts = kit.sample_extracts(day, customers=4)
    customers = extracts["dim_customer"]
    index = customers.column_names.index("first_order_date")
    extracts["dim_customer"] = customers.set_column(
        index, "first_order_date", pa.array([None, "2024-02-29", "0202-04-17", "infinity", "0000-01-01"]))
    kit.write_extracts(day, extracts)

    counts = load_date(kit.settings, day)

    assert counts["dim_customer"] == {"read": 5, "loaded": 3, "rejected": 2}
    dates = kit.query("SELECT to_char(first_order_date, 'YYYY-MM-DD') FROM star.dim_customer "
                      "WHERE first_order_date IS NOT NULL AND customer_key IN (1, 2) ORDER BY customer_key")
    assert dates == [("2024-02-29",), ("0202-04-17",)]
    errors = kit.query("SELECT table_name, line_number, colname, err_code, err_reason, raw_field_value "
                       "FROM audit.load_errors WHERE logical_date = %s ORDER BY line_number", (day,))
    assert errors == [
        ("star.dim_customer", 4, "first_order_date", 1205, "infinite_date", "infinity"),
        ("star.dim_customer", 5, "first_order_date", 1205, "date_out_of_range", "0000-01-01"),
    ]


def test_string_too_long_in_bytes_is_quarantined(kit):
    day = date(2024, 4, 3)
    extracts = kit.sample_extracts(day)
    customers = extracts["dim_customer"]
    index = customers.column_names.index("city")
    too_long = "ü" * 129  # 129 characters fit VARCHAR(256) in PostgreSQL, but 258 bytes do not fit Redshift's
    extracts["dim_customer"] = customers.set_column(index, "city", pa.array([None, "Zürich", too_long, "Austin"]))
    kit.write_extracts(day, extracts)

    counts = load_date(kit.settings, day)

    assert counts["dim_customer"] == {"read": 4, "loaded": 3, "rejected": 1}
    records = _quarantined(kit, day, "dim_customer")
    assert [record["reason"] for record in records] == ["string_too_long"]
    errors = kit.query("SELECT err_code, col_length FROM audit.load_errors WHERE logical_date = %s", (day,))
    assert errors == [(1204, "256")]


def test_quarantine_is_replaced_on_clean_rerun(kit):
    day = date(2024, 4, 4)
    extracts = kit.sample_extracts(day, customers=4)
    extracts["fact_transactions"] = _payments_with_order_dates(kit, day)
    kit.write_extracts(day, extracts, int96=False)
    load_date(kit.settings, day)
    load_date(kit.settings, day)
    errors_twice = kit.query("SELECT COUNT(*) FROM audit.load_errors WHERE logical_date = %s", (day,))[0][0]

    kit.write_extracts(day, kit.sample_extracts(day, customers=4))
    counts = load_date(kit.settings, day)

    assert errors_twice == 2
    assert counts["fact_transactions"]["rejected"] == 0
    assert kit.query("SELECT COUNT(*) FROM audit.load_errors WHERE logical_date = %s", (day,))[0][0] == 0
    with pytest.raises(boto3.client("s3").exceptions.NoSuchKey):
        _quarantined(kit, day, "fact_transactions")
