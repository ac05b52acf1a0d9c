"""Checks that run on each Parquet extract before COPY, because COPY of Parquet stops at the first bad row.

A row is rejected when a value would fail COPY. Each rejection carries a
reason code and Redshift's load error code:
- NULL in a NOT NULL column (1213)
- a string longer in UTF-8 bytes than its VARCHAR or CHAR (1204)
- a NUL (0x00) in a string, and a multibyte character in a CHAR (1220):
  Redshift's COPY fails on both, and PostgreSQL rejects NUL in text too
- a date or timestamp that is infinite, outside years 0001-9999 or not
  parseable (1205 for DATE, 1206 for TIMESTAMP)
- an integer outside its column type (1222)
- a decimal with too many integer digits (1204)
The rest of the file is cast to the DDL's types.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from warehouse import temporal
from warehouse.errors import ExtractSchemaError
from warehouse.tables import STAR_SCHEMA, Column, columns

INTEGER_TYPES = {"smallint": pa.int16(), "integer": pa.int32(), "bigint": pa.int64()}
SIMPLE_TYPES = {"boolean": pa.bool_(), "double precision": pa.float64(), "real": pa.float32(),
                "date": pa.date32(), "timestamp": pa.timestamp("us"), "timestamptz": pa.timestamp("us", tz="UTC")}
TEMPORAL_ERROR_CODES = {"date": 1205, "timestamp": 1206, "timestamptz": 1206}


@dataclass(frozen=True)
class Rejection:
    """One row that COPY would fail on, with the first column at fault."""

    table: str
    source_uri: str
    line_number: int  # 1-based row number in the Parquet object
    column: Column
    reason: str
    err_code: int
    raw_value: str
    row: dict[str, Any]

    def raw_line(self) -> str:
        return json.dumps(self.row, sort_keys=False, default=str, ensure_ascii=False)


@dataclass
class ValidatedFile:
    """One extract object after the checks: the rows to load, cast to the DDL's types, and the rejections."""

    source_uri: str
    rows_read: int
    clean: pa.Table
    rejections: list[Rejection] = field(default_factory=list)
    matches_ddl: bool = True  # False when columns were reordered, cast or rows removed


@dataclass
class _Check:
    mask: np.ndarray
    reason: str
    err_code: int


def target_schema(table_columns: tuple[Column, ...]) -> pa.Schema:
    """Return the Arrow schema that COPY expects for these DDL columns."""
    return pa.schema([pa.field(column.name, arrow_type(column)) for column in table_columns])


def arrow_type(column: Column) -> pa.DataType:
    if column.type_name in ("varchar", "char"):
        return pa.string()
    if column.type_name == "decimal":
        return pa.decimal128(column.precision or 18, column.scale or 0)
    if column.type_name in INTEGER_TYPES:
        return INTEGER_TYPES[column.type_name]
    return SIMPLE_TYPES[column.type_name]


def validate(table_name: str, data: pa.Table, source_uri: str) -> ValidatedFile:
    """Check one extract object of `star.<table_name>` and split it into loadable rows and rejections."""
    table_columns = columns(STAR_SCHEMA, table_name)
    ordered = _select_ddl_columns(table_name, data, table_columns, source_uri)

    rejected = np.zeros(ordered.num_rows, dtype=bool)
    rejections: list[Rejection] = []
    converted: dict[str, pa.Array] = {}
    for column in table_columns:
        values = ordered.column(column.name).combine_chunks()
        for check in _checks(column, values, converted):
            new_rows = np.flatnonzero(check.mask & ~rejected)
            rejected |= check.mask
            rejections.extend(_rejection(table_name, source_uri, ordered, column, check, int(row)) for row in new_rows)

    keep = pa.array(~rejected)
    arrays = [converted.get(column.name, ordered.column(column.name).combine_chunks()).filter(keep)
              for column in table_columns]
    clean = _cast(pa.Table.from_arrays(arrays, names=[c.name for c in table_columns]), table_columns, source_uri)
    matches = not rejections and data.column_names == clean.column_names and data.schema.equals(clean.schema)
    return ValidatedFile(source_uri, data.num_rows, clean, rejections, matches)


def _select_ddl_columns(table_name: str, data: pa.Table, table_columns: tuple[Column, ...], source_uri: str) -> pa.Table:
    expected = [column.name for column in table_columns]
    missing = [name for name in expected if name not in data.column_names]
    extra = [name for name in data.column_names if name not in expected]
    if missing or extra:
        raise ExtractSchemaError(
            f"{source_uri} does not match star.{table_name}: missing columns {missing or 'none'}, "
            f"unexpected columns {extra or 'none'}; the extract must have the columns of docs/contracts.md"
        )
    return data.select(expected)


def _checks(column: Column, values: pa.Array, converted: dict[str, pa.Array]) -> list[_Check]:
    checks = []
    if column.not_null:
        checks.append(_Check(_mask(pc.is_null(values)), "null_in_not_null_column", 1213))
    checker = _TYPE_CHECKS.get(column.type_name)
    if checker is not None:
        checks.extend(checker(column, values, converted))
    return checks


def _text_checks(column: Column, values: pa.Array, converted: dict[str, pa.Array]) -> list[_Check]:
    text = values if pa.types.is_string(values.type) or pa.types.is_large_string(values.type) else values.cast(pa.string())
    too_long = pc.greater(pc.binary_length(text), column.length or 0)
    checks = [_Check(_mask(too_long), "string_too_long", 1204),
              _Check(_mask(pc.match_substring(text, "\x00")), "nul_character", 1220)]
    if column.type_name == "char":
        multibyte = pc.match_substring_regex(text, "[^\\x00-\\x7F]")
        checks.append(_Check(_mask(multibyte), "multibyte_in_char", 1220))
    return checks


def _integer_checks(column: Column, values: pa.Array, converted: dict[str, pa.Array]) -> list[_Check]:
    if not pa.types.is_integer(values.type):
        return []
    info = np.iinfo(INTEGER_TYPES[column.type_name].to_pandas_dtype())
    outside = pc.or_(pc.less(values, int(info.min)), pc.greater(values, int(info.max)))
    return [_Check(_mask(outside), "integer_out_of_range", 1222)]


def _decimal_checks(column: Column, values: pa.Array, converted: dict[str, pa.Array]) -> list[_Check]:
    if not (pa.types.is_decimal(values.type) or pa.types.is_floating(values.type) or pa.types.is_integer(values.type)):
        return []
    limit = 10.0 ** ((column.precision or 18) - (column.scale or 0))
    too_big = pc.greater_equal(pc.abs(values.cast(pa.float64())), limit)
    return [_Check(_mask(too_big), "numeric_out_of_range", 1204)]


def _temporal_checks(column: Column, values: pa.Array, converted: dict[str, pa.Array]) -> list[_Check]:
    err_code = TEMPORAL_ERROR_CODES[column.type_name]
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        parsed, reasons = _parse_texts(column, values)
        converted[column.name] = parsed
        return [_Check(reasons == reason, reason, err_code) for reason in ("infinite_date", "date_out_of_range", "invalid_date")]
    if not pa.types.is_temporal(values.type):
        return []

    numbers, low, high, extreme = _as_numbers(values)
    infinite = _mask(pc.or_(pc.equal(numbers, extreme[0]), pc.equal(numbers, extreme[1])))
    outside = _mask(pc.or_(pc.less(numbers, low), pc.greater(numbers, high))) & ~infinite
    return [_Check(infinite, "infinite_date", err_code), _Check(outside, "date_out_of_range", err_code)]


def _as_numbers(values: pa.Array) -> tuple[pa.Array, int, int, tuple[int, int]]:
    """Return the values as integers with the accepted range and the min/max integers (±infinity) of the type."""
    if pa.types.is_date32(values.type):
        numbers = values.cast(pa.int32())
        return numbers, temporal.MIN_DAY, temporal.MAX_DAY, (-(2**31), 2**31 - 1)
    if pa.types.is_date64(values.type):
        low, high = temporal.timestamp_bounds("ms")
        return values.cast(pa.int64()), low, high, (-(2**63), 2**63 - 1)
    if pa.types.is_timestamp(values.type):
        low, high = temporal.timestamp_bounds(values.type.unit)
        return values.cast(pa.int64()), low, high, (-(2**63), 2**63 - 1)
    raise ExtractSchemaError(f"unsupported temporal Parquet type {values.type}; expected date or timestamp")


def _parse_texts(column: Column, values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    parse: Callable[[str], tuple[Any, str | None]] = (
        temporal.parse_date_text if column.type_name == "date" else temporal.parse_timestamp_text)
    parsed: list[Any] = []
    reasons = np.full(len(values), "", dtype=object)
    for index, text in enumerate(values.to_pylist()):
        value, reason = (None, None) if text is None else parse(text)
        parsed.append(value)
        if reason:
            reasons[index] = reason
    target = pa.date32() if column.type_name == "date" else pa.timestamp("us")
    return pa.array(parsed, type=target), reasons


def _cast(table: pa.Table, table_columns: tuple[Column, ...], source_uri: str) -> pa.Table:
    arrays = []
    for column in table_columns:
        values = table.column(column.name)
        target = arrow_type(column)
        try:
            arrays.append(values if values.type == target else values.cast(target, safe=True))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise ExtractSchemaError(f"{source_uri}: column {column.name} of type {values.type} cannot be loaded "
                                     f"into {column.type_name}: {exc}") from exc
    return pa.Table.from_arrays(arrays, schema=target_schema(table_columns))


def _rejection(table_name: str, source_uri: str, data: pa.Table, column: Column, check: _Check, row: int) -> Rejection:
    record = {name: render_value(data.column(name), row) for name in data.column_names}
    values = data.column(column.name)
    if check.reason == "infinite_date" and pa.types.is_temporal(values.type):
        number = values[row].cast(pa.int32() if pa.types.is_date32(values.type) else pa.int64()).as_py()
        record[column.name] = "-infinity" if number < 0 else "infinity"
    return Rejection(table_name, source_uri, row + 1, column, check.reason, check.err_code,
                     str(record[column.name]), record)


def render_value(values: pa.ChunkedArray | pa.Array, row: int) -> Any:
    """Return a JSON-ready value; dates and timestamps as text with four-digit years, even year 0."""
    scalar = values[row]
    if not scalar.is_valid:
        return None
    if pa.types.is_date32(scalar.type):
        return temporal.format_day(scalar.cast(pa.int32()).as_py())
    if pa.types.is_timestamp(scalar.type):
        return temporal.format_timestamp(scalar.cast(pa.int64()).as_py(), scalar.type.unit)
    if pa.types.is_date64(scalar.type):
        return temporal.format_timestamp(scalar.cast(pa.int64()).as_py(), "ms")
    value = scalar.as_py()
    return value if isinstance(value, str | int | float | bool) else str(value)


def _mask(result: pa.Array) -> np.ndarray:
    return np.asarray(result.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


_TYPE_CHECKS: dict[str, Callable[[Column, pa.Array, dict[str, pa.Array]], list[_Check]]] = {
    "varchar": _text_checks,
    "char": _text_checks,
    "smallint": _integer_checks,
    "integer": _integer_checks,
    "bigint": _integer_checks,
    "decimal": _decimal_checks,
    "date": _temporal_checks,
    "timestamp": _temporal_checks,
    "timestamptz": _temporal_checks,
}
