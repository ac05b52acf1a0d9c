"""Emulation of `COPY ... FROM 's3://...' FORMAT AS PARQUET` on PostgreSQL.

The runner lists the S3 prefix with boto3, reads each Parquet object with
pyarrow and streams it as CSV through `COPY ... FROM STDIN`, one record batch
at a time. Like Redshift it matches columns by position, rejects a file whose
column count differs from the table's, and fails when the prefix has no
objects. IAM_ROLE and CREDENTIALS are ignored: boto3 uses the profile.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import psycopg2
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from sqlglot import exp

from warehouse.errors import SqlExecutionError

log = logging.getLogger(__name__)

BATCH_ROWS = 65_536
COPY_BUFFER_BYTES = 1 << 20
# Redshift COPY of Parquet reads through Spectrum, which skips objects whose name starts with these.
HIDDEN_PREFIXES = ("_", ".", "#")


def copy_parquet(connection: Any, statement: exp.Copy, s3: Any, *, where: str) -> int:
    """Load every Parquet object under the COPY's S3 prefix into its table; return the rows loaded."""
    source_uri = _source_uri(statement)
    bucket, prefix = split_s3_uri(source_uri)
    keys = list_objects(s3, bucket, prefix)
    if not keys:
        raise SqlExecutionError(f"{where} failed: the specified S3 prefix '{source_uri}' does not exist "
                                "or holds no objects (as Redshift COPY reports)")

    target = statement.this.sql(dialect="postgres")
    column_count = _column_count(connection, statement.this)
    rows = 0
    for key in keys:
        rows += _copy_object(connection, s3, bucket, key, target, column_count, where=where)
    log.debug("%s: copied %d rows from %d objects under %s", where, rows, len(keys), source_uri)
    return rows


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise ValueError(f"invalid S3 URI {uri!r}: expected s3://bucket/prefix")
    bucket, _, prefix = uri[len("s3://"):].partition("/")
    return bucket, prefix


def list_objects(s3: Any, bucket: str, prefix: str) -> list[str]:
    """Return the keys under `prefix` (sorted) whose file name is not hidden from Spectrum."""
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            name = item["Key"].rsplit("/", 1)[-1]
            if name and not name.startswith(HIDDEN_PREFIXES):
                keys.append(item["Key"])
    return sorted(keys)


def csv_chunks(table: pa.Table | pa.RecordBatch, batch_rows: int = BATCH_ROWS) -> Iterator[bytes]:
    """Yield the rows as headerless CSV, one chunk per batch: NULL is an empty field, '' is `""`."""
    options = pa_csv.WriteOptions(include_header=False, batch_size=batch_rows)
    source = table if isinstance(table, pa.Table) else pa.Table.from_batches([table])
    for batch in source.to_batches(max_chunksize=batch_rows):
        sink = io.BytesIO()
        pa_csv.write_csv(batch, sink, options)
        yield sink.getvalue()


class ChunkReader:
    """A file-like object whose `read` returns the next CSV chunk, for psycopg2's `copy_expert`."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks

    def read(self, size: int = -1) -> bytes:
        return next(self._chunks, b"")

    def readline(self, size: int = -1) -> bytes:  # psycopg2 reads with read(); readline is never used
        return self.read(size)


def _copy_object(connection: Any, s3: Any, bucket: str, key: str, target: str, column_count: int, *, where: str) -> int:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    try:
        parquet = pq.ParquetFile(io.BytesIO(body))
    except (pa.ArrowInvalid, OSError) as exc:
        raise SqlExecutionError(f"{where} failed: s3://{bucket}/{key} is not a Parquet file: {exc}") from exc

    file_columns = len(parquet.schema_arrow.names)
    if file_columns != column_count:
        raise SqlExecutionError(f"{where} failed: s3://{bucket}/{key} has {file_columns} columns but {target} "
                                f"has {column_count}; COPY of Parquet matches columns by position")

    table = parquet.read(use_threads=True)
    sql = f"COPY {target} FROM STDIN WITH (FORMAT csv)"
    try:
        with connection.cursor() as cursor:
            cursor.copy_expert(sql, ChunkReader(csv_chunks(table)), size=COPY_BUFFER_BYTES)
    except (psycopg2.Error, pa.ArrowException) as exc:
        raise SqlExecutionError(f"{where} failed while loading s3://{bucket}/{key} into {target}: {exc}") from exc
    return table.num_rows


def _column_count(connection: Any, table: exp.Table) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
            (table.db, table.name),
        )
        count = int(cursor.fetchone()[0])
    if count == 0:
        raise SqlExecutionError(f"COPY target {table.sql('postgres')} not found; run 'shoplake warehouse init'")
    return count


def _source_uri(statement: exp.Copy) -> str:
    files = statement.args.get("files") or []
    if len(files) != 1 or not isinstance(files[0], exp.Literal):
        raise ValueError("the COPY emulation supports exactly one 's3://...' source")
    formats = [param.expression.name.upper() for param in statement.args.get("params") or []
               if param.this.name.upper() == "FORMAT" and param.expression is not None]
    if formats != ["PARQUET"]:
        raise ValueError(f"the COPY emulation supports FORMAT AS PARQUET only, not {formats or 'text'}")
    return files[0].name
