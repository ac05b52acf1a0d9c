"""PostgreSQL binary COPY encoding: field layout of known values, and the types that fall back to CSV."""

from __future__ import annotations

import struct
from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from warehouse.copy_binary import HEADER, TRAILER, byte_chunks, encode


def _fields(data: list[pa.Buffer]) -> list[list[bytes | None]]:
    """Decode binary COPY data into rows of raw field values (None for NULL)."""
    body = b"".join(byte_chunks(data, 7))
    assert body.startswith(HEADER) and body.endswith(TRAILER)
    position, rows = len(HEADER), []
    while position < len(body) - len(TRAILER):
        (count,) = struct.unpack_from(">h", body, position)
        position += 2
        row = []
        for _ in range(count):
            (length,) = struct.unpack_from(">i", body, position)
            position += 4
            row.append(None if length == -1 else body[position:position + length])
            position += max(length, 0)
        rows.append(row)
    return rows


def test_null_empty_and_none_text_stay_apart():
    table = pa.table({"coupon_code": [None, "", "None"]})

    rows = _fields(encode(table, ["varchar"]))

    assert rows == [[None], [b""], [b"None"]]


def test_integers_dates_and_timestamps_use_postgres_layout():
    table = pa.table({
        "id": pa.array([-2, None], pa.int32()),
        "day": pa.array([date(2000, 1, 2), date(1999, 12, 31)], pa.date32()),
        "ts": pa.array([datetime(2000, 1, 1, 0, 0, 1), datetime(1970, 1, 1)], pa.timestamp("us")),
        "flag": [True, False],
    })

    rows = _fields(encode(table, ["int8", "date", "timestamp", "bool"]))

    assert rows[0] == [struct.pack(">q", -2), struct.pack(">i", 1), struct.pack(">q", 1_000_000), b"\x01"]
    assert rows[1] == [None, struct.pack(">i", -1), struct.pack(">q", -946_684_800_000_000), b"\x00"]


def test_numeric_digits_in_base_10000():
    table = pa.table({"amount": pa.array([Decimal("1234.50"), Decimal("-0.07"), None], pa.decimal128(12, 2))})

    positive, negative, null = _fields(encode(table, ["numeric"]))

    # decimal(12, 2): three integer groups and one fraction group; weight 2 puts the point after the third.
    assert struct.unpack(">hhHh4h", positive[0]) == (4, 2, 0, 2, 0, 0, 1234, 5000)
    assert struct.unpack(">hhHh4h", negative[0]) == (4, 2, 0x4000, 2, 0, 0, 0, 700)
    assert null == [None]


@pytest.mark.parametrize(("arrow_type", "values", "type_name"), [
    (pa.string(), ["2024-01-01"], "date"),
    (pa.int64(), [1], "numeric"),
    (pa.timestamp("us"), [datetime(2024, 1, 1)], "timestamptz"),
    (pa.float64(), [0.1], "float4"),
    (pa.decimal128(20, 2), [Decimal("1.00")], "numeric"),
    (pa.dictionary(pa.int32(), pa.string()), ["a"], "varchar"),
])
def test_inexact_type_pairs_fall_back(arrow_type, values, type_name):
    table = pa.table({"value": pa.array(values, arrow_type)})

    assert encode(table, [type_name]) is None


@pytest.mark.parametrize(("array", "type_name"), [
    (pa.array([1 << 40], pa.int64()), "int4"),
    (pa.array([1_500], pa.timestamp("ns")), "timestamp"),
    (pa.array([Decimal("12345.67")], pa.decimal128(7, 2)).cast(pa.decimal128(3, 2), safe=False), "numeric"),
])
def test_values_that_do_not_convert_fall_back(array, type_name):
    assert encode(pa.table({"value": array}), [type_name]) is None
