"""PostgreSQL values as text, converted to the Python and Parquet values DMS writes.

Full load and CDC both read each value as PostgreSQL's text output (`col::text`
in the snapshot, the literal in a test_decoding message), and both go through
`ColumnType.parse`, so a value is written identically by either path. Time
zones do not leak in: `timestamptz` text carries its offset and is converted to
UTC here, whatever the session or server `TimeZone` was.

Type mapping, following DMS's Parquet types for a PostgreSQL source:

- smallint, integer, bigint: int16, int32, int64
- numeric(p,s): decimal(p,s); real, double precision: float32, float64
- boolean: bool; bytea: binary
- date: date32; time: time64[us]; timestamp: timestamp[us]; timestamptz: timestamp[us, UTC]
- every other type (text, char, varchar, uuid, json, arrays, unconstrained numeric): string
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

from services.dms.errors import ValueConversionError

MAX_DECIMAL_PRECISION = 38


@dataclass(frozen=True)
class ColumnType:
    """A source type name (as `format_type` prints it) and how its text becomes a Parquet value."""

    pg_type: str
    arrow_type: pa.DataType
    parse: Callable[[str], Any]


def column_type(pg_type: str, typmod: int = -1) -> ColumnType:
    """Return the conversion for one source column type."""
    if pg_type == "numeric":
        return _numeric_type(typmod)
    simple = SIMPLE_TYPES.get(pg_type)
    if simple is not None:
        arrow_type, parse = simple
        return ColumnType(pg_type, arrow_type, parse)
    return ColumnType(pg_type, pa.string(), str)


def _numeric_type(typmod: int) -> ColumnType:
    if typmod < 4:
        # NOTE: unconstrained numeric has no fixed scale, so it is written as its exact text.
        return ColumnType("numeric", pa.string(), _parse_numeric_text)
    precision = ((typmod - 4) >> 16) & 0xFFFF
    scale = (typmod - 4) & 0xFFFF
    if precision > MAX_DECIMAL_PRECISION:
        return ColumnType("numeric", pa.string(), _parse_numeric_text)
    return ColumnType("numeric", pa.decimal128(precision, scale), _parse_decimal)


def _parse_decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueConversionError(f"invalid numeric value {text!r}") from exc
    if not value.is_finite():
        raise ValueConversionError(f"numeric value {text!r} has no Parquet decimal representation; "
                                   "store NULL in the source or change the column to unconstrained numeric")
    return value


def _parse_numeric_text(text: str) -> str:
    return text


def _parse_bool(text: str) -> bool:
    if text in ("true", "t"):
        return True
    if text in ("false", "f"):
        return False
    raise ValueConversionError(f"invalid boolean value {text!r}")


def _check_finite_date(text: str, kind: str) -> None:
    if text in ("infinity", "-infinity") or text.endswith(" BC"):
        raise ValueConversionError(
            f"{kind} value {text!r} has no Parquet {kind} representation; replace it in the source "
            "(for example with NULL) and run the full load again")


def _parse_date(text: str) -> date:
    _check_finite_date(text, "date")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueConversionError(f"invalid date value {text!r}: {exc}") from exc


def _parse_timestamp(text: str) -> datetime:
    _check_finite_date(text, "timestamp")
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueConversionError(f"invalid timestamp value {text!r}: {exc}") from exc


def _parse_timestamptz(text: str) -> datetime:
    value = _parse_timestamp(text)
    if value.tzinfo is None:
        raise ValueConversionError(f"timestamptz value {text!r} has no UTC offset")
    return value.astimezone(UTC)


def _parse_time(text: str) -> time:
    return time.fromisoformat(text)


def _parse_bytea(text: str) -> bytes:
    if not text.startswith("\\x"):
        raise ValueConversionError(f"bytea value is not in hex format (set bytea_output = 'hex'): {text[:20]!r}")
    return bytes.fromhex(text[2:])


SIMPLE_TYPES: dict[str, tuple[pa.DataType, Callable[[str], Any]]] = {
    "smallint": (pa.int16(), int),
    "integer": (pa.int32(), int),
    "bigint": (pa.int64(), int),
    "real": (pa.float32(), float),
    "double precision": (pa.float64(), float),
    "boolean": (pa.bool_(), _parse_bool),
    "date": (pa.date32(), _parse_date),
    "time without time zone": (pa.time64("us"), _parse_time),
    "timestamp without time zone": (pa.timestamp("us"), _parse_timestamp),
    "timestamp with time zone": (pa.timestamp("us", tz="UTC"), _parse_timestamptz),
    "bytea": (pa.binary(), _parse_bytea),
}


def format_dms_timestamp(moment: datetime) -> str:
    """Format a commit or load time as DMS's TimestampColumnName does: `yyyy-MM-dd HH:mm:ss.SSSSSS` in UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    # strftime's %Y drops leading zeros for years before 1000 on glibc, so format the fields directly.
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} "
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}.{moment.microsecond:06d}")


def format_csv_value(value: Any) -> str:
    """Return the CSV text of a parsed value (NULL is handled by the caller)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_dms_timestamp(value)
    if isinstance(value, bytes):
        return "\\x" + value.hex()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)
