"""The S3 side of a load: read the Glue extracts, write validated copies, quarantine and load-error files.

Locations (buckets are settings):
- extracts: `s3://<curated>/extracts/<table>/dt=YYYY-MM-DD/*.parquet` (written by the Glue jobs)
- validated copies, only for tables with rejected, reordered or re-typed data:
  `s3://<staging>/warehouse/validated/<table>/dt=YYYY-MM-DD/part-NNNNN.parquet`
- quarantine: `s3://<quarantine>/warehouse/dt=YYYY-MM-DD/<table>.jsonl`
- rejected rows for COPY into stg.load_errors:
  `s3://<staging>/warehouse/load_errors/dt=YYYY-MM-DD/part-00000.parquet`
"""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse import identifiers
from warehouse.copy_emulation import list_objects
from warehouse.errors import ExtractNotFoundError
from warehouse.validate import Rejection, ValidatedFile, target_schema, validate

if TYPE_CHECKING:
    from shoplake.settings import Settings

QUARANTINE_STAGE = "warehouse"
RAW_TEXT_BYTES = 1024
REASON_BYTES = 100


def extract_prefix(table: str, logical_date: date) -> str:
    return f"extracts/{identifiers.identifier(table)}/dt={logical_date.isoformat()}/"


def validated_prefix(table: str, logical_date: date) -> str:
    return f"warehouse/validated/{identifiers.identifier(table)}/dt={logical_date.isoformat()}/"


def load_errors_prefix(logical_date: date) -> str:
    return f"warehouse/load_errors/dt={logical_date.isoformat()}/"


def quarantine_key(table: str, logical_date: date) -> str:
    return f"{QUARANTINE_STAGE}/dt={logical_date.isoformat()}/{identifiers.identifier(table)}.jsonl"


def read_and_validate(s3: Any, settings: Settings, table: str, logical_date: date) -> list[ValidatedFile]:
    """Read every Parquet object of the table's extract and validate it; raise when the extract is missing."""
    bucket = identifiers.bucket(settings.buckets.curated)
    prefix = extract_prefix(table, logical_date)
    keys = list_objects(s3, bucket, prefix)
    if not keys:
        raise ExtractNotFoundError(f"no extract for star.{table} at s3://{bucket}/{prefix}; "
                                   f"run the star-schema Glue job for {logical_date.isoformat()} first")

    files = []
    for key in keys:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        data = pq.read_table(io.BytesIO(body), coerce_int96_timestamp_unit="us")
        files.append(validate(table, data, f"s3://{bucket}/{key}"))
    return files


def copy_source(s3: Any, settings: Settings, table: str, logical_date: date, files: list[ValidatedFile]) -> str:
    """Return the S3 prefix to COPY from: the extract itself, or a validated copy when any file changed."""
    staging = identifiers.bucket(settings.buckets.staging)
    prefix = validated_prefix(table, logical_date)
    delete_prefix(s3, staging, prefix)
    if all(file.matches_ddl for file in files):
        return f"s3://{settings.buckets.curated}/{extract_prefix(table, logical_date)}"

    for index, file in enumerate(files):
        put_parquet(s3, staging, f"{prefix}part-{index:05d}.parquet", file.clean)
    return f"s3://{staging}/{prefix}"


def write_quarantine(s3: Any, settings: Settings, table: str, logical_date: date, rejections: list[Rejection]) -> None:
    """Write the table's rejected rows as quarantine JSON lines, or delete a stale file when there are none."""
    bucket = identifiers.bucket(settings.buckets.quarantine)
    key = quarantine_key(table, logical_date)
    if not rejections:
        s3.delete_object(Bucket=bucket, Key=key)
        return
    lines = [json.dumps(quarantine_record(rejection), ensure_ascii=False) for rejection in rejections]
    s3.put_object(Bucket=bucket, Key=key, Body=("\n".join(lines) + "\n").encode("utf-8"))


def quarantine_record(rejection: Rejection) -> dict[str, Any]:
    """Return the quarantine-zone record of one rejected row (fields as in docs/contracts.md)."""
    return {
        "stage": QUARANTINE_STAGE,
        "source": rejection.source_uri,
        "offset": rejection.line_number,
        "reason": rejection.reason,
        "detail": f"star.{rejection.table}.{rejection.column.name} ({_type_text(rejection)}): {rejection.raw_value!r}",
        "raw_b64": base64.b64encode(rejection.raw_line().encode("utf-8")).decode("ascii"),
    }


def write_load_errors(s3: Any, settings: Settings, logical_date: date, rejections: list[Rejection]) -> str | None:
    """Write the rejections as Parquet shaped like audit.load_errors; return its prefix, or None when empty."""
    from warehouse.tables import columns

    bucket = identifiers.bucket(settings.buckets.staging)
    prefix = load_errors_prefix(logical_date)
    delete_prefix(s3, bucket, prefix)
    if not rejections:
        return None

    started = datetime.now(UTC).replace(tzinfo=None)
    rows = [_load_error_row(rejection, logical_date, started) for rejection in rejections]
    schema = target_schema(columns("audit", "load_errors"))
    put_parquet(s3, bucket, f"{prefix}part-00000.parquet", pa.Table.from_pylist(rows, schema=schema))
    return f"s3://{bucket}/{prefix}"


def put_parquet(s3: Any, bucket: str, key: str, table: pa.Table) -> None:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="snappy")
    s3.put_object(Bucket=bucket, Key=key, Body=sink.getvalue())


def delete_prefix(s3: Any, bucket: str, prefix: str) -> None:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])


def _load_error_row(rejection: Rejection, logical_date: date, started: datetime) -> dict[str, Any]:
    column = rejection.column
    return {
        "logical_date": logical_date,
        "table_name": f"star.{rejection.table}",
        "starttime": started,
        "filename": rejection.source_uri,
        "line_number": rejection.line_number,
        "colname": column.name,
        "type": column.type_name[:10],
        "col_length": str(column.length or column.precision or ""),
        "position": column.position,
        "raw_line": _cut_bytes(rejection.raw_line(), RAW_TEXT_BYTES),
        "raw_field_value": _cut_bytes(_escape_nul(rejection.raw_value), RAW_TEXT_BYTES),
        "err_code": rejection.err_code,
        "err_reason": _cut_bytes(rejection.reason, REASON_BYTES),
    }


def _type_text(rejection: Rejection) -> str:
    column = rejection.column
    return f"{column.type_name}({column.length})" if column.length else column.type_name


def _escape_nul(text: str) -> str:
    """Replace NUL with the JSON escape `\\u0000` (as raw_line has it), because neither engine stores NUL in text."""
    return text.replace("\x00", "\\u0000")


def _cut_bytes(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` UTF-8 bytes without splitting a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
