"""Catalog CSV parsing: dialects, header checks and row rejects."""

from __future__ import annotations

import base64
from datetime import datetime
from decimal import Decimal

from spark_jobs.common.catalog_csv import parse_catalog_file, parse_price, parse_timestamp

F07 = (b'sku,name,description,price\nP-001,"Trail Shoe","Lightweight.\nWaterproof upper.",89.90\n'
       b'P-002,Road Shoe,"Says ""fast""",79.00\n')
F08 = b'\xef\xbb\xbf"sku","name","price"\r\n"P-001","Trail Shoe","89.90"\r\n'


def test_f07_multiline_and_doubled_quotes():
    rows, rejects = parse_catalog_file("f07.csv", F07)
    assert rejects == []
    assert [row["sku"] for row in rows] == ["P-001", "P-002"]
    assert rows[0]["description"] == "Lightweight.\nWaterproof upper."
    assert rows[1]["description"] == 'Says "fast"'


def test_f08_bom_quoted_header_crlf():
    rows, rejects = parse_catalog_file("f08.csv", F08)
    assert rejects == []
    assert len(rows) == 1
    assert (rows[0]["sku"], rows[0]["name"], rows[0]["price"]) == ("P-001", "Trail Shoe", Decimal("89.90"))


def test_file_without_required_column_rejected_whole():
    rows, rejects = parse_catalog_file("legacy.csv", b"sku,name,currency\nP-1,A,USD\nP-2,B,USD\n")
    assert rows == []
    assert [(reject["offset"], reject["reason"]) for reject in rejects] == [("2", "missing_required_column"),
                                                                             ("3", "missing_required_column")]
    assert base64.b64decode(rejects[0]["raw_b64"]) == b"P-1,A,USD"


def test_row_rejects_keep_counts():
    body = b"sku,name,price\n,No sku,1.00\nP-2,Bad,N/A\nP-3,Short\nP-4,Ok,2.50\nP-5,Empty,\n"
    rows, rejects = parse_catalog_file("rows.csv", body)
    assert [row["sku"] for row in rows] == ["P-4"]
    assert [reject["reason"] for reject in rejects] == ["missing_required_field", "invalid_price", "wrong_field_count",
                                                        "missing_required_field"]


def test_semicolon_dialect_with_decimal_comma():
    rows, _ = parse_catalog_file("eu.csv", b"sku;name;price;updated_at\nP-1;Zelt;1.234,50;02.11.2026 06:30\n")
    assert rows[0]["price"] == Decimal("1234.50")
    assert rows[0]["updated_at"] == datetime(2026, 11, 2, 6, 30)


def test_price_and_timestamp_parsing():
    assert parse_price("89,90") == Decimal("89.90")
    assert parse_price("-1") is None
    assert parse_price("12..5") is None
    assert parse_timestamp("2026-11-02T07:30:00+01:00") == datetime(2026, 11, 2, 6, 30)
    assert parse_timestamp("yesterday") is None
