"""Day numbers to dates with four-digit years, and parsing of date text."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from warehouse import temporal


@pytest.mark.parametrize("day", [date(1, 1, 1), date(202, 4, 17), date(1900, 2, 28), date(2000, 2, 29),
                                 date(2024, 2, 29), date(9999, 12, 31)])
def test_format_day_matches_python(day):
    assert temporal.format_day(day.toordinal() - temporal.UNIX_EPOCH_ORDINAL) == day.isoformat()


def test_format_day_writes_year_zero_with_four_digits():
    assert temporal.format_day(temporal.MIN_DAY - 366) == "0000-01-01"


def test_format_timestamp_keeps_fraction():
    value = int((datetime(202, 4, 17, 8, 15, 1) - datetime(1970, 1, 1)).total_seconds()) * 1_000_000 + 250
    assert temporal.format_timestamp(value, "us") == "0202-04-17 08:15:01.000250"


@pytest.mark.parametrize("text, expected", [
    ("2024-02-29", (date(2024, 2, 29), None)),
    ("0202-04-17", (date(202, 4, 17), None)),
    ("infinity", (None, "infinite_date")),
    ("-infinity", (None, "infinite_date")),
    ("0000-01-01", (None, "date_out_of_range")),
    ("10000-01-01", (None, "date_out_of_range")),
    ("2023-02-29", (None, "invalid_date")),
    ("29/02/2024", (None, "invalid_date")),
])
def test_parse_date_text(text, expected):
    assert temporal.parse_date_text(text) == expected


def test_parse_timestamp_text_converts_offsets_to_utc():
    assert temporal.parse_timestamp_text("2024-03-09T23:50:00+05:30") == (datetime(2024, 3, 9, 18, 20), None)
    assert temporal.parse_timestamp_text("0000-01-01 00:00:00") == (None, "date_out_of_range")
