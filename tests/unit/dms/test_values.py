from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from services.dms.errors import ValueConversionError
from services.dms.values import column_type, format_dms_timestamp

NUMERIC_12_2_TYPMOD = (12 << 16 | 2) + 4


def test_numeric_with_typmod_is_decimal():
    numeric = column_type("numeric", NUMERIC_12_2_TYPMOD)
    assert numeric.arrow_type == pa.decimal128(12, 2)
    assert numeric.parse("41.50") == Decimal("41.50")


def test_unconstrained_numeric_is_exact_text():
    numeric = column_type("numeric", -1)
    assert numeric.arrow_type == pa.string()
    assert numeric.parse("1.000000000000000000001") == "1.000000000000000000001"


def test_numeric_nan_raises():
    with pytest.raises(ValueConversionError):
        column_type("numeric", NUMERIC_12_2_TYPMOD).parse("NaN")


@pytest.mark.parametrize("text", ["2024-03-01 10:00:00.000001+00", "2024-03-01 15:45:00.000001+05:45",
                                  "2024-03-01 05:00:00.000001-05"])
def test_timestamptz_any_offset_is_same_utc(text):
    parsed = column_type("timestamp with time zone").parse(text)
    assert parsed == datetime(2024, 3, 1, 10, 0, 0, 1, tzinfo=UTC)
    assert parsed.utcoffset().total_seconds() == 0


def test_old_dates_keep_four_digit_years():
    assert column_type("date").parse("0202-04-17") == date(202, 4, 17)
    assert format_dms_timestamp(datetime(202, 4, 17, 1, 2, 3)) == "0202-04-17 01:02:03.000000"


@pytest.mark.parametrize("text", ["infinity", "-infinity", "0001-01-01 BC"])
def test_infinite_dates_raise(text):
    with pytest.raises(ValueConversionError):
        column_type("date").parse(text)


def test_text_types_are_strings():
    assert column_type("character").parse("DE") == "DE"
    assert column_type("text").arrow_type == pa.string()


def test_boolean_forms():
    boolean = column_type("boolean")
    assert boolean.parse("true") is True
    assert boolean.parse("f") is False
