"""Load what a quality gate checks: staging objects from S3 into pandas, warehouse tables as SQL queries.

Each dataset of `quality/gates.toml` names a loader. Loaders return the batch
and the suite parameters that depend on the data (for example the row count
that the source reports), so a suite can reconcile counts between zones.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from shoplake.settings import Settings

log = logging.getLogger(__name__)
IDENTIFIER_PARTS = 2  # schema.table


@dataclass
class Dataset:
    """One table of one gate, as declared in `quality/gates.toml`."""

    name: str
    suite: str
    loader: str
    options: dict[str, Any] = field(default_factory=dict)


def day_parameters(day: date) -> dict[str, Any]:
    """Return the suite parameters every suite may use: the day's bounds and keys."""
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return {
        "logical_date": day.isoformat(),
        "logical_dates": [day.isoformat()],
        "date_key": int(day.strftime("%Y%m%d")),
        "day_start": start.isoformat(),
        "day_end": (start + timedelta(days=1)).isoformat(),
    }


# --- staging: S3 objects into pandas -------------------------------------------------------------

def list_keys(bucket: str, prefix: str) -> list[str]:
    from shoplake import aws

    paginator = aws.client("s3").get_paginator("list_objects_v2")
    keys: list[str] = []
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(item["Key"] for item in page.get("Contents", []) if not item["Key"].endswith("/"))
    return sorted(keys)


def data_keys(bucket: str, prefix: str) -> list[str]:
    """Return the data objects under `prefix`, leaving out markers such as Spark's `_SUCCESS` and `.crc` files."""
    def is_data(key: str) -> bool:
        name = key.rsplit("/", 1)[-1]
        return not name.startswith(("_", ".")) and not name.endswith(".crc")

    return [key for key in list_keys(bucket, prefix) if is_data(key)]


def read_object(bucket: str, key: str) -> bytes:
    from shoplake import aws

    body = aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    return gzip.decompress(body) if key.endswith(".gz") else body


def json_lines(data: bytes) -> list[dict[str, Any]]:
    """Parse JSON objects separated by newlines or by nothing at all (Firehose concatenates records)."""
    decoder = json.JSONDecoder()
    text = data.decode("utf-8")
    records, position = [], 0
    while position < len(text):
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            break
        record, position = decoder.raw_decode(text, position)
        records.append(record)
    return records


def load_s3_objects(settings: Settings, day: date, options: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read every object under `prefix` (JSON lines, gzip or not, or Parquet) into one data frame."""
    import pandas as pd

    bucket = getattr(settings.buckets, options.get("bucket", "staging"))
    prefix = options["prefix"].format(date=day.isoformat())
    frames = []
    for key in data_keys(bucket, prefix):
        data = read_object(bucket, key)
        if key.endswith(".parquet") or options.get("format") == "parquet":
            import pyarrow.parquet as pq

            frames.append(pq.read_table(io.BytesIO(data)).to_pandas())
        else:
            frames.append(pd.DataFrame.from_records(json_lines(data)))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    for column in options.get("ensure_columns", []):
        if column not in frame.columns:
            frame[column] = None
    for column in options.get("timestamp_columns", []):
        if column in frame.columns:
            frame[column] = pd.to_datetime(frame[column], utc=True, errors="coerce")
    parameters = {"source_objects": len(frames)}
    if options.get("reconcile_raw_csv"):
        parameters["expected_rows"] = raw_csv_rows(settings, day, options) - quarantined_records(settings, day, options)
    return frame, parameters


def raw_csv_rows(settings: Settings, day: date, options: dict[str, Any]) -> int:
    """Count the data rows of the day's raw CSV files (quoted newlines count once; the header does not count)."""
    prefix = options["reconcile_raw_csv"].format(date=day.isoformat())
    total = 0
    for key in list_keys(settings.buckets.raw, prefix):
        text = read_object(settings.buckets.raw, key).decode("utf-8-sig")
        rows = [row for row in csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text)) if row]
        total += max(len(rows) - 1, 0)
    return total


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def quarantined_records(settings: Settings, day: date, options: dict[str, Any]) -> int:
    """Count the day's records in the quarantine zone under `<quarantine_stage>/dt=<date>/`."""
    stage = options.get("quarantine_stage")
    if not stage:
        return 0
    prefix = f"{stage}/dt={day.isoformat()}/"
    return sum(len(json_lines(read_object(settings.buckets.quarantine, key)))
               for key in list_keys(settings.buckets.quarantine, prefix))


# --- warehouse: SQL queries ----------------------------------------------------------------------

def quoted_table(name: str) -> str:
    """Validate `schema.table` from gates.toml and return it double-quoted."""
    parts = name.split(".")
    if len(parts) != IDENTIFIER_PARTS or not all(part.isidentifier() for part in parts):
        raise ValueError(f"invalid table name {name!r} in quality/gates.toml: expected schema.table")
    return ".".join(f'"{part}"' for part in parts)


def warehouse_query(day: date, options: dict[str, Any]) -> str:
    """Return the SELECT that a warehouse dataset validates: the whole table, or the day's rows."""
    table = quoted_table(options["table"])
    conditions = []
    unknown_key = options.get("exclude_unknown_key")
    if unknown_key:
        # The unknown member (key -1) is a convention row with empty attributes; the orphan audit covers it.
        conditions.append(f'"{_identifier(unknown_key)}" <> -1')
    date_column = options.get("date_column")
    if date_column:
        # The date key is an int built from a date object, so formatting it in cannot inject SQL.
        conditions.append(f'"{_identifier(date_column)}" = {int(day.strftime("%Y%m%d"))}')
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"SELECT * FROM {table}{where}"


def _identifier(name: str) -> str:
    if not name.isidentifier():
        raise ValueError(f"invalid column name {name!r} in quality/gates.toml")
    return name


def extract_rows(settings: Settings, day: date, extract: str) -> int:
    """Count the rows of the day's warehouse extract, which the warehouse load COPYs."""
    import pyarrow.parquet as pq

    prefix = f"extracts/{extract}/dt={day.isoformat()}/"
    keys = [key for key in list_keys(settings.buckets.curated, prefix) if key.endswith(".parquet")]
    return sum(pq.read_metadata(io.BytesIO(read_object(settings.buckets.curated, key))).num_rows for key in keys)


def warehouse_parameters(settings: Settings, day: date, options: dict[str, Any]) -> dict[str, Any]:
    parameters: dict[str, Any] = {}
    if options.get("extract"):
        parameters["expected_rows"] = extract_rows(settings, day, options["extract"])
    return parameters


def warehouse_url(settings: Settings) -> str:
    """Return a SQLAlchemy URL for the warehouse (PostgreSQL locally)."""
    from urllib.parse import quote

    from shoplake.stack.state import postgres_endpoint

    # NOTE: the aws profile's Redshift needs the sqlalchemy-redshift dialect and the
    # Secrets Manager password; only the PostgreSQL warehouse has been run here.
    host, port, password = postgres_endpoint(settings)
    credentials = quote(settings.postgres_user) + (f":{quote(password)}" if password else "")
    return f"postgresql+psycopg2://{credentials}@{host}:{port}/{settings.warehouse_db}"
