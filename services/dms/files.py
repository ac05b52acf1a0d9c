"""DMS S3 target files: object keys and Parquet or CSV contents.

Layout (AWS DMS user guide, "Using Amazon S3 as a target"):
`<BucketFolder>/<schema>/<table>/LOAD00000001.parquet` for the full load, numbered
with an 8-digit upper-case hexadecimal counter, and
`<BucketFolder>/<schema>/<table>/YYYYMMDD-HHMMSSfff.parquet` for CDC, named by the
UTC time the file was written (with DatePartitionEnabled, CDC files go one
date folder deeper). Columns: `Op` (CDC always, full load only with
IncludeOpForFullLoad), then the TimestampColumnName column as a
`yyyy-MM-dd HH:mm:ss.SSSSSS` string, then the table's columns.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from services.dms.catalog import SourceTable
from services.dms.config import DATE_PARTITION_DELIMITERS, S3Target
from services.dms.values import format_csv_value

OP_COLUMN = "Op"
CDC_NAME_FORMAT = "%Y%m%d-%H%M%S"


def table_prefix(target: S3Target, table: SourceTable) -> str:
    """Return the key prefix of one table's files, ending with `/`."""
    parts = [target.bucket_folder, table.schema, table.name]
    return "/".join(part for part in parts if part) + "/"


def load_file_key(target: S3Target, table: SourceTable, number: int) -> str:
    """Return the key of the `number`-th full-load file (1-based, hexadecimal as DMS counts)."""
    return f"{table_prefix(target, table)}LOAD{number:08X}{target.file_suffix}"


def cdc_file_name(written_at: datetime) -> str:
    """Return the CDC file stem for a UTC write time: `YYYYMMDD-HHMMSSfff` (milliseconds)."""
    written_at = written_at.astimezone(UTC)
    return written_at.strftime(CDC_NAME_FORMAT) + f"{written_at.microsecond // 1000:03d}"


def next_cdc_file_name(now: datetime, previous: str | None) -> str:
    """Return a CDC file stem for `now` that sorts after `previous`, so file order is write order."""
    name = cdc_file_name(now)
    while previous is not None and name <= previous:
        now += timedelta(milliseconds=1)
        name = cdc_file_name(now)
    return name


def cdc_file_key(target: S3Target, table: SourceTable, name: str) -> str:
    """Return the key of a CDC file, inside a date folder when DatePartitionEnabled is set."""
    folder = table_prefix(target, table)
    if target.date_partition_enabled:
        folder += date_partition(target, datetime.strptime(name[:15], CDC_NAME_FORMAT)) + "/"
    return f"{folder}{name}{target.file_suffix}"


def date_partition(target: S3Target, moment: datetime) -> str:
    """Return the date folder DMS writes for DatePartitionSequence and DatePartitionDelimiter."""
    delimiter = DATE_PARTITION_DELIMITERS[target.date_partition_delimiter]
    parts = {"YYYY": f"{moment.year:04d}", "MM": f"{moment.month:02d}", "DD": f"{moment.day:02d}",
             "HH": f"{moment.hour:02d}"}
    return delimiter.join(parts[part] for part in _split_sequence(target.date_partition_sequence))


def _split_sequence(sequence: str) -> list[str]:
    parts, index = [], 0
    while index < len(sequence):
        width = 4 if sequence.startswith("YYYY", index) else 2
        parts.append(sequence[index:index + width])
        index += width
    return parts


def output_schema(target: S3Target, table: SourceTable, with_op: bool) -> pa.Schema:
    """Return the Arrow schema of a file: Op, the timestamp column, then the table's columns."""
    fields = []
    if with_op:
        fields.append(pa.field(OP_COLUMN, pa.string(), nullable=False))
    if target.timestamp_column:
        fields.append(pa.field(target.timestamp_column, pa.string(), nullable=False))
    fields += [pa.field(column.name, column.type.arrow_type) for column in table.columns]
    return pa.schema(fields)


def encode_rows(target: S3Target, table: SourceTable, rows: Sequence[Sequence[Any]], with_op: bool) -> bytes:
    """Encode rows (already in output-schema order) as one Parquet or CSV object."""
    schema = output_schema(target, table, with_op)
    if target.data_format == "parquet":
        return _encode_parquet(target, schema, rows)
    data = _encode_csv(target, schema, rows)
    return gzip.compress(data, mtime=0) if target.compression == "GZIP" else data


def _encode_parquet(target: S3Target, schema: pa.Schema, rows: Sequence[Sequence[Any]]) -> bytes:
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True)) if rows else [[] for _ in schema]
    arrays = [pa.array(values, type=field.type) for values, field in zip(columns, schema, strict=True)]
    table = pa.Table.from_arrays(arrays, schema=schema)
    buffer = io.BytesIO()
    compression = "gzip" if target.compression == "GZIP" else "none"
    pq.write_table(table, buffer, compression=compression)
    return buffer.getvalue()


def _encode_csv(target: S3Target, schema: pa.Schema, rows: Sequence[Sequence[Any]]) -> bytes:
    """Write RFC 4180 CSV where NULL is the bare CsvNullValue and any text equal to it is quoted.

    A value is quoted when it is empty, equals CsvNullValue, or contains the delimiter,
    a quote or a line break, so NULL, '' and the text 'None' stay distinct.
    """
    lines = []
    if target.add_column_name:
        lines.append(target.csv_delimiter.join(_csv_field(name, target) for name in schema.names))
    for row in rows:
        lines.append(target.csv_delimiter.join(_csv_field(value, target) for value in row))
    return "".join(line + target.csv_row_delimiter for line in lines).encode("utf-8")


def _csv_field(value: Any, target: S3Target) -> str:
    if value is None:
        return target.csv_null_value
    text = format_csv_value(value)
    special = (target.csv_delimiter, '"', "\n", "\r", target.csv_row_delimiter)
    if text == "" or text == target.csv_null_value or any(mark in text for mark in special):
        return '"' + text.replace('"', '""') + '"'
    return text
