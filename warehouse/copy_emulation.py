"""Emulation of `COPY ... FROM 's3://...' FORMAT AS PARQUET` on PostgreSQL.

The runner lists the S3 prefix with boto3, reads each Parquet object with
pyarrow and streams the rows through `COPY ... FROM STDIN`: in PostgreSQL's
binary format when every column's Arrow type converts exactly to its target
type (see warehouse.copy_binary), else as CSV, where NULL is an empty field
and '' is `""`. Like
Redshift it matches columns by position, rejects a file whose column count
differs from the table's, fails when the prefix has no objects, and loads all
files or none. IAM_ROLE and CREDENTIALS are ignored: boto3 uses the profile.

Prefixes with several objects are read and copied over a few connections in
parallel, which commit together. One object always uses one connection, and
while it is copied another thread reads and encodes the connection's next
object. For
fact_transactions a PostgreSQL backend spends about a third less CPU on binary
rows than on CSV rows, and encoding them costs the client about two thirds of
the CPU of writing CSV (bench/bench_warehouse.py on 2 shared cores).
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import psycopg2
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from sqlglot import exp

from warehouse import copy_binary
from warehouse.errors import SqlExecutionError

log = logging.getLogger(__name__)

BATCH_ROWS = 65_536
COPY_BUFFER_BYTES = 1 << 20
MIN_BYTES_PER_STREAM = 1 << 20  # below 1 MiB of Parquet per stream, another connection costs more than it saves
MAX_STREAMS = 4
# Redshift COPY of Parquet reads through Spectrum, which skips objects whose name starts with these.
HIDDEN_PREFIXES = ("_", ".", "#")

Connect = Callable[[], Any]


def copy_parquet(connection: Any, statement: exp.Copy, s3: Any, *, where: str, connect: Connect | None = None) -> int:
    """Load every Parquet object under the COPY's S3 prefix into its table; return the rows loaded.

    `connect` opens extra connections, so that several objects are read and
    copied in parallel. Without it, or inside an open transaction, every object
    goes through `connection`, one after the other.
    """
    source_uri = _source_uri(statement)
    bucket, prefix = split_s3_uri(source_uri)
    sizes = object_sizes(s3, bucket, prefix)
    if not sizes:
        raise SqlExecutionError(f"{where} failed: the specified S3 prefix '{source_uri}' does not exist "
                                "or holds no objects (as Redshift COPY reports)")

    target = statement.this.sql(dialect="postgres")
    column_types = _column_types(connection, statement.this)
    load = _ObjectLoader(s3, bucket, target, column_types, where)
    streams = _stream_count(sizes, connection, connect)
    if streams == 1:
        rows = _load_in_order(load, connection, sorted(sizes))
    else:
        rows = _copy_in_parallel(connect, load, sorted(sizes), streams)  # type: ignore[arg-type]
    log.debug("%s: copied %d rows from %d objects under %s in %d streams", where, rows, len(sizes), source_uri, streams)
    return rows


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise ValueError(f"invalid S3 URI {uri!r}: expected s3://bucket/prefix")
    bucket, _, prefix = uri[len("s3://"):].partition("/")
    return bucket, prefix


def list_objects(s3: Any, bucket: str, prefix: str) -> list[str]:
    """Return the keys under `prefix` (sorted) whose file name is not hidden from Spectrum."""
    return sorted(object_sizes(s3, bucket, prefix))


def object_sizes(s3: Any, bucket: str, prefix: str) -> dict[str, int]:
    """Return {key: size in bytes} of the objects under `prefix` whose file name is not hidden from Spectrum."""
    sizes = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            name = item["Key"].rsplit("/", 1)[-1]
            if name and not name.startswith(HIDDEN_PREFIXES):
                sizes[item["Key"]] = int(item.get("Size", 0))
    return sizes


def csv_chunks(table: pa.Table | pa.RecordBatch, batch_rows: int = BATCH_ROWS) -> Iterator[bytes]:
    """Yield the rows as headerless CSV, one chunk per batch: NULL is an empty field, '' is `""`."""
    options = pa_csv.WriteOptions(include_header=False, batch_size=batch_rows)
    source = table if isinstance(table, pa.Table) else pa.Table.from_batches([table])
    for batch in source.to_batches(max_chunksize=batch_rows):
        sink = io.BytesIO()
        pa_csv.write_csv(batch, sink, options)
        yield sink.getvalue()


class ChunkReader:
    """A file-like object whose `read` returns the next chunk of COPY data, for psycopg2's `copy_expert`."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks

    def read(self, size: int = -1) -> bytes:
        return next(self._chunks, b"")

    def readline(self, size: int = -1) -> bytes:  # psycopg2 reads with read(); readline is never used
        return self.read(size)


class _ObjectLoader:
    """Read and encode one Parquet object (`prepare`), then COPY it into the target on a given connection (`send`)."""

    def __init__(self, s3: Any, bucket: str, target: str, column_types: list[str], where: str) -> None:
        self.s3, self.bucket, self.target, self.column_types, self.where = s3, bucket, target, column_types, where

    def prepare(self, key: str) -> _PreparedObject:
        table = self._read(key)
        sql, chunks = _copy_data(self.target, table, self.column_types)
        return _PreparedObject(key, table.num_rows, sql, chunks)

    def send(self, connection: Any, prepared: _PreparedObject) -> int:
        where = f"{self.where} (s3://{self.bucket}/{prepared.key})"
        try:
            with connection.cursor() as cursor:
                cursor.copy_expert(prepared.sql, ChunkReader(prepared.chunks), size=COPY_BUFFER_BYTES)
        except (psycopg2.Error, pa.ArrowException) as exc:
            raise SqlExecutionError(f"{where} failed while loading into {self.target}: {exc}") from exc
        return prepared.rows

    def _read(self, key: str) -> pa.Table:
        body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        try:
            table = pq.read_table(io.BytesIO(body), coerce_int96_timestamp_unit="us")
        except (pa.ArrowInvalid, OSError) as exc:
            raise SqlExecutionError(f"{self.where} failed: s3://{self.bucket}/{key} is not a Parquet file: {exc}") from exc
        if table.num_columns != len(self.column_types):
            raise SqlExecutionError(f"{self.where} failed: s3://{self.bucket}/{key} has {table.num_columns} columns "
                                    f"but {self.target} has {len(self.column_types)}; "
                                    "COPY of Parquet matches columns by position")
        return table


def _stream_count(sizes: dict[str, int], connection: Any, connect: Connect | None) -> int:
    idle = connection.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE
    if connect is None or not idle:
        return 1
    return max(1, min(MAX_STREAMS, os.cpu_count() or 1, len(sizes), sum(sizes.values()) // MIN_BYTES_PER_STREAM))


@dataclass(frozen=True)
class _PreparedObject:
    """One object's rows, ready to send: the COPY statement and the chunks of its data."""

    key: str
    rows: int
    sql: str
    chunks: Iterator[bytes]


def _copy_data(target: str, data: pa.Table, column_types: list[str]) -> tuple[str, Iterator[bytes]]:
    """Return the COPY statement and data chunks: binary when copy_binary can encode every column, else CSV."""
    binary = copy_binary.encode(data, column_types)
    if binary is None:
        return f"COPY {target} FROM STDIN WITH (FORMAT csv)", csv_chunks(data)
    return f"COPY {target} FROM STDIN WITH (FORMAT binary)", copy_binary.byte_chunks(binary, COPY_BUFFER_BYTES)


def _load_in_order(load: _ObjectLoader, connection: Any, keys: list[str]) -> int:
    """COPY the objects one after another on `connection`, while another thread reads and encodes the next one."""
    rows = 0
    with ThreadPoolExecutor(max_workers=1) as reader:
        upcoming = reader.submit(load.prepare, keys[0]) if keys else None
        for index in range(len(keys)):
            prepared = upcoming.result()  # type: ignore[union-attr]
            upcoming = reader.submit(load.prepare, keys[index + 1]) if index + 1 < len(keys) else None
            rows += load.send(connection, prepared)
    return rows


def _copy_in_parallel(connect: Connect, load: _ObjectLoader, keys: list[str], streams: int) -> int:
    """COPY the objects over `streams` connections, one transaction each; commit all only if all succeed."""
    connections = [connect() for _ in range(streams)]
    try:
        def load_share(index: int) -> int:
            return _load_in_order(load, connections[index], keys[index::streams])

        with ThreadPoolExecutor(max_workers=streams) as pool:
            rows = sum(pool.map(load_share, range(streams)))
        for connection in connections:
            connection.commit()
        return rows
    finally:
        for connection in connections:
            connection.close()  # closing without commit rolls back


def _column_types(connection: Any, table: exp.Table) -> list[str]:
    """Return the PostgreSQL type names (`udt_name`, such as int8 or varchar) of the table's columns, in order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT udt_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
            "ORDER BY ordinal_position",
            (table.db, table.name),
        )
        types = [str(row[0]) for row in cursor.fetchall()]
    if not types:
        raise SqlExecutionError(f"COPY target {table.sql('postgres')} not found; run 'shoplake warehouse init'")
    return types


def _source_uri(statement: exp.Copy) -> str:
    files = statement.args.get("files") or []
    if len(files) != 1 or not isinstance(files[0], exp.Literal):
        raise ValueError("the COPY emulation supports exactly one 's3://...' source")
    formats = [param.expression.name.upper() for param in statement.args.get("params") or []
               if param.this.name.upper() == "FORMAT" and param.expression is not None]
    if formats != ["PARQUET"]:
        raise ValueError(f"the COPY emulation supports FORMAT AS PARQUET only, not {formats or 'text'}")
    return files[0].name
