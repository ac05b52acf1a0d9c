"""Checks before COPY on in-memory Arrow tables: F13 dates, byte lengths, NULLs, integer ranges, casts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from warehouse.errors import ExtractSchemaError
from warehouse.validate import validate


def _campaigns(**overrides) -> pa.Table:
    columns = {
        "campaign_key": pa.array([1, 2, 3, 4], pa.int64()),
        "campaign_id": ["a", "b", "c", "d"],
        "name": ["A", "B", "C", "D"],
        "channel": ["email"] * 4,
        "start_date": pa.array([date(2024, 2, 29), date(202, 4, 17), date(2024, 1, 1), date(2024, 1, 1)], pa.date32()),
        "end_date": pa.array([None] * 4, pa.date32()),
        "budget": pa.array([Decimal("1.00")] * 4, pa.decimal128(12, 2)),
        "currency": ["EUR"] * 4,
    }
    columns.update(overrides)
    return pa.table(columns)


def test_clean_file_matches_ddl():
    result = validate("dim_campaign", _campaigns(), "s3://b/k")

    assert result.rejections == []
    assert result.matches_ddl is True
    assert result.clean.num_rows == 4


def test_f13_order_dates_as_text():
    dates = pa.array(["2024-02-29", "0202-04-17", "infinity", "0000-01-01"])
    result = validate("dim_campaign", _campaigns(start_date=dates), "s3://b/k")

    assert [(r.line_number, r.reason, r.err_code, r.raw_value) for r in result.rejections] == [
        (3, "infinite_date", 1205, "infinity"), (4, "date_out_of_range", 1205, "0000-01-01")]
    assert result.clean.column("start_date").to_pylist() == [date(2024, 2, 29), date(202, 4, 17)]
    assert result.matches_ddl is False


def test_f13_order_dates_as_day_numbers():
    epoch = date(1970, 1, 1).toordinal()
    days = [date(2024, 2, 29).toordinal() - epoch, date(202, 4, 17).toordinal() - epoch, 2**31 - 1,
            date(1, 1, 1).toordinal() - epoch - 366]
    result = validate("dim_campaign", _campaigns(start_date=pa.array(days, pa.int32()).cast(pa.date32())), "s3://b/k")

    assert [(r.reason, r.raw_value) for r in result.rejections] == [
        ("infinite_date", "infinity"), ("date_out_of_range", "0000-01-01")]
    assert result.rows_read == 4
    assert result.clean.num_rows == 2


def test_string_length_counts_utf8_bytes():
    names = ["ü" * 256, "u" * 512, "ü" * 257, None]  # 512, 512 and 514 bytes for VARCHAR(512)
    result = validate("dim_campaign", _campaigns(name=names), "s3://b/k")

    assert [(r.line_number, r.reason, r.err_code) for r in result.rejections] == [(3, "string_too_long", 1204)]


def test_null_key_is_rejected():
    keys = pa.array([1, None, 3, 4], pa.int64())
    result = validate("dim_campaign", _campaigns(campaign_key=keys), "s3://b/k")

    assert [(r.line_number, r.column.name, r.reason, r.err_code) for r in result.rejections] == [
        (2, "campaign_key", "null_in_not_null_column", 1213)]


def test_first_failing_column_wins_per_row():
    keys = pa.array([None, 2, 3, 4], pa.int64())
    dates = pa.array(["infinity", "2024-01-01", "2024-01-01", "2024-01-01"])
    result = validate("dim_campaign", _campaigns(campaign_key=keys, start_date=dates), "s3://b/k")

    assert [(r.line_number, r.reason) for r in result.rejections] == [(1, "null_in_not_null_column")]


def test_integer_out_of_range_for_integer_column():
    sales = pa.table({
        "order_id": pa.array([1, 2], pa.int64()),
        "line_no": pa.array([1, 2**40], pa.int64()),
        "date_key": pa.array([20240101, 20240101], pa.int64()),
        "product_key": pa.array([1, 1], pa.int64()),
        "customer_key": pa.array([1, 1], pa.int64()),
        "quantity": pa.array([1, 1], pa.int32()),
        "unit_price": pa.array([Decimal("1.00")] * 2, pa.decimal128(12, 2)),
        "line_amount": pa.array([Decimal("1.00")] * 2, pa.decimal128(12, 2)),
        "currency": ["EUR"] * 2,
        "line_amount_usd": pa.array([Decimal("1.00")] * 2, pa.decimal128(14, 2)),
        "order_status": ["PAID"] * 2,
    })
    result = validate("fact_product_sales", sales, "s3://b/k")

    assert [(r.line_number, r.reason, r.err_code) for r in result.rejections] == [(2, "integer_out_of_range", 1222)]
    assert result.clean.schema.field("line_no").type == pa.int32()


def test_columns_are_reordered_and_timestamps_lose_time_zone():
    traffic_ts = pa.array([datetime(2024, 1, 1, 10)], pa.timestamp("us", tz="UTC"))
    events = pa.table({
        "event_ts": traffic_ts, "event_type": ["open"], "customer_key": pa.array([1], pa.int64()),
        "campaign_key": pa.array([1], pa.int64()), "date_key": pa.array([20240101], pa.int32()), "event_id": ["e1"],
    })
    result = validate("fact_campaign_interactions", events, "s3://b/k")

    assert result.clean.column_names[0] == "event_id"
    assert result.clean.schema.field("event_ts").type == pa.timestamp("us")
    assert result.clean.column("event_ts").to_pylist() == [datetime(2024, 1, 1, 10)]
    assert result.matches_ddl is False


def test_missing_or_extra_columns_raise():
    with pytest.raises(ExtractSchemaError, match=r"missing columns \['currency'\]"):
        validate("dim_campaign", _campaigns().drop(["currency"]), "s3://b/k")
    with pytest.raises(ExtractSchemaError, match=r"unexpected columns \['extra'\]"):
        validate("dim_campaign", _campaigns(extra=[1, 2, 3, 4]), "s3://b/k")


def test_uncastable_type_raises():
    with pytest.raises(ExtractSchemaError, match="budget"):
        validate("dim_campaign", _campaigns(budget=["a lot"] * 4), "s3://b/k")
