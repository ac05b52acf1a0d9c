"""Binary and CSV COPY of the same Arrow table load the same values into PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa

from warehouse import copy_binary
from warehouse.copy_emulation import ChunkReader, _copy_data

COLUMNS = ("small smallint, id bigint, n integer, flag boolean, ratio double precision, share real, day date, "
           "ts timestamp, tstz timestamptz, amount numeric(12, 2), whole numeric(5, 0), currency char(3), "
           "code varchar(10), note text")
TYPES = ["int2", "int8", "int4", "bool", "float8", "float4", "date", "timestamp", "timestamptz", "numeric",
         "numeric", "bpchar", "varchar", "text"]


def _table() -> pa.Table:
    return pa.table({
        "small": pa.array([-32768, 0, None], pa.int16()),
        "id": pa.array([9_007_199_254_740_993, -1, None], pa.int64()),
        "n": pa.array([2_147_483_647, 0, None], pa.int32()),
        "flag": [True, False, None],
        "ratio": [0.1, -1e300, None],
        "share": pa.array([0.5, -2.25, None], pa.float32()),
        "day": pa.array([date(202, 4, 17), date(1969, 12, 31), None], pa.date32()),
        "ts": pa.array([datetime(1999, 12, 31, 23, 59, 59, 999_999), datetime(2030, 1, 1), None], pa.timestamp("us")),
        "tstz": pa.array([datetime(1960, 6, 1, 12, tzinfo=UTC), datetime(2024, 2, 29, tzinfo=UTC), None],
                         pa.timestamp("us", tz="UTC")),
        "amount": pa.array([Decimal("9999999999.99"), Decimal("-0.01"), None], pa.decimal128(12, 2)),
        "whole": pa.array([Decimal("-99999"), Decimal("0"), None], pa.decimal128(5, 0)),
        "currency": ["EUR", "ü", None],
        "code": ["", "None", None],
        "note": ["two\nlines, \"quoted\"", "ß€😀", None],
    })


def test_binary_and_csv_copy_load_equal_rows(kit, monkeypatch):
    with kit.connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE public.copy_binary ({COLUMNS})")
        cursor.execute(f"CREATE TABLE public.copy_csv ({COLUMNS})")
    table = _table()

    binary_sql, binary_chunks = _copy_data("public.copy_binary", table, TYPES)
    monkeypatch.setattr(copy_binary, "encode", lambda data, types: None)
    csv_sql, csv_chunks = _copy_data("public.copy_csv", table, TYPES)
    with kit.connection.cursor() as cursor:
        cursor.copy_expert(binary_sql, ChunkReader(binary_chunks))
        cursor.copy_expert(csv_sql, ChunkReader(csv_chunks))

    assert binary_sql.endswith("(FORMAT binary)")
    assert csv_sql.endswith("(FORMAT csv)")
    binary = kit.query("SELECT * FROM public.copy_binary ORDER BY id DESC NULLS LAST")
    csv = kit.query("SELECT * FROM public.copy_csv ORDER BY id DESC NULLS LAST")
    assert binary == csv
    assert binary[0][0:3] == (-32768, 9_007_199_254_740_993, 2_147_483_647)
    assert binary[0][6:8] == (date(202, 4, 17), datetime(1999, 12, 31, 23, 59, 59, 999_999))
    assert binary[0][8] == datetime(1960, 6, 1, 12, tzinfo=UTC)
    assert binary[0][9:11] == (Decimal("9999999999.99"), Decimal("-99999"))
    assert binary[1][9:] == (Decimal("-0.01"), Decimal("0"), "ü  ", "None", "ß€😀")
    assert binary[0][12] == ""
    assert binary[2] == (None,) * 14
