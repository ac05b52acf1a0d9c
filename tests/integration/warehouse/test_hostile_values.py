"""Hostile text in extracts: NUL bytes and non-ASCII CHAR values are quarantined, the rest round-trips exactly."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from warehouse.load import load_date

pytestmark = pytest.mark.integration

KEPT_DESCRIPTIONS = {
    1: "'); DROP TABLE star.dim_product; --",
    2: "a\n\\.\nb",  # COPY's end-of-data marker on a line of its own inside a quoted field
}


def _products(day: date, kit) -> pa.Table:
    products = kit.sample_extracts(day)["dim_product"].to_pydict()
    products["product_key"] += [3, 4]
    products["product_id"] += ["P-003", "P-004"]
    products["name"] = ["Unknown", "🚀" * 128, "\\.", "x\x00y", "Euro"]
    products["description"] = [None, KEPT_DESCRIPTIONS[1], KEPT_DESCRIPTIONS[2], "", "None"]
    products["category"] += ["shoes", "shoes"]
    products["price"] += [None, None]
    products["currency"] = [None, "EUR", "EUR", "EUR", "€"]
    products["valid_from"] += products["valid_from"][1:3]
    products["valid_to"] += [None, None]
    products["is_current"] += [True, True]
    return pa.table(products, schema=kit.sample_extracts(day)["dim_product"].schema)


def test_nul_and_multibyte_char_rows_are_quarantined(kit):
    day = date(2025, 8, 1)
    extracts = kit.sample_extracts(day)
    extracts["dim_product"] = _products(day, kit)
    kit.write_extracts(day, extracts)

    counts = load_date(kit.settings, day)

    assert counts["dim_product"] == {"read": 5, "loaded": 3, "rejected": 2}
    errors = kit.query("SELECT line_number, colname, err_code, err_reason, raw_field_value FROM audit.load_errors "
                       "WHERE logical_date = %s ORDER BY line_number", (day,))
    assert errors == [(4, "name", 1220, "nul_character", "x\\u0000y"), (5, "currency", 1220, "multibyte_in_char", "€")]


def test_quotes_emoji_and_end_marker_round_trip(kit):
    day = date(2025, 8, 2)
    extracts = kit.sample_extracts(day)
    extracts["dim_product"] = _products(day, kit)
    kit.write_extracts(day, extracts)

    load_date(kit.settings, day)

    rows = dict(kit.query("SELECT product_key, description FROM star.dim_product WHERE product_key IN (1, 2)"))
    assert rows == KEPT_DESCRIPTIONS
    names = dict(kit.query("SELECT product_key, name FROM star.dim_product WHERE product_key IN (1, 2)"))
    assert names == {1: "🚀" * 128, 2: "\\."}
