"""Characters that Redshift COPY rejects are quarantined per row on both engines, not left to fail the load.

Redshift documents both rules for CHAR and VARCHAR input: a NUL (0x00) makes
COPY fail unless NULL AS '\\0' is given, and CHAR accepts only single-byte
(ASCII) characters, reported as load error 1220.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pyarrow as pa

from warehouse.validate import validate


def _campaigns(**overrides) -> pa.Table:
    columns = {
        "campaign_key": pa.array([1, 2, 3, 4], pa.int64()),
        "campaign_id": ["a", "b", "c", "d"],
        "name": ["A", "B", "C", "D"],
        "channel": ["email"] * 4,
        "start_date": pa.array([date(2024, 1, 1)] * 4, pa.date32()),
        "end_date": pa.array([None] * 4, pa.date32()),
        "budget": pa.array([Decimal("1.00")] * 4, pa.decimal128(12, 2)),
        "currency": ["EUR"] * 4,
    }
    columns.update(overrides)
    return pa.table(columns)


def _reasons(result) -> list[tuple[int, str, str, int]]:
    return sorted((r.line_number, r.column.name, r.reason, r.err_code) for r in result.rejections)


def test_nul_in_varchar_is_rejected():
    result = validate("dim_campaign", _campaigns(name=["A", "B\x00", "\x00", "D"]), "s3://b/k")

    assert _reasons(result) == [(2, "name", "nul_character", 1220), (3, "name", "nul_character", 1220)]
    assert result.clean.num_rows == 2


def test_multibyte_in_char_is_rejected():
    result = validate("dim_campaign", _campaigns(currency=["EUR", "€", "US$", "ÜS"]), "s3://b/k")  # 3 bytes each

    assert _reasons(result) == [(2, "currency", "multibyte_in_char", 1220), (4, "currency", "multibyte_in_char", 1220)]
    assert result.clean.column("currency").to_pylist() == ["EUR", "US$"]


def test_emoji_and_quotes_in_varchar_load():
    names = ["🚀" * 64, "'); DROP TABLE star.dim_campaign; --", "a\n\\.\nb", None]
    result = validate("dim_campaign", _campaigns(name=names), "s3://b/k")

    assert result.rejections == []
    assert result.clean.column("name").to_pylist() == names
