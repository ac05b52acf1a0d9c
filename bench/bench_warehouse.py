"""Warehouse load throughput: the stand-in's COPY emulation next to a batched-INSERT loader.

Both loaders read the same Parquet extract of fact_transactions from the local
S3 server and write into stg.fact_transactions on the local PostgreSQL, in a
private embedded stack started for the run. COPY streams binary or CSV rows
through `COPY ... FROM STDIN` (warehouse/copy_emulation.py) and runs
COPY_RUNS times, reporting the median of each figure; the INSERT loader sends
`execute_values` pages of 1,000 rows, once. Figures are rows per second of
wall time, Parquet reading included, and
rows per CPU second: the CPU time of this process (all threads) plus that of
the private PostgreSQL server (postmaster, its live children and the backends
it has reaped). The CPU figures stay comparable when other processes share the
cores; the wall-clock figures do not.
"""

from __future__ import annotations

import io
import os
import statistics
import time
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bench._common import private_stack

ROWS_PER_SCALE = 200_000
MAX_INSERT_ROWS = 200_000  # the INSERT loader is slow; it loads at most this many rows of the same extract
INSERT_PAGE_ROWS = 1_000
PARTS = 4
COPY_RUNS = 3
DAY = date(2030, 1, 1)


def run(scale: int) -> dict[str, float]:
    """Return COPY and batched-INSERT rows per second (wall and CPU) for `scale` × 200,000 payment rows."""
    rows = ROWS_PER_SCALE * scale
    with private_stack("shoplake-bench-warehouse-") as settings:
        from warehouse.ddl import apply_ddl

        apply_ddl(settings)
        source = _write_extract(settings, _payments(rows))
        server = _postmaster_pid(settings)
        copy_runs = [_time_copy(settings, source, server) for _ in range(COPY_RUNS)]
        copy_seconds = statistics.median(wall for wall, _ in copy_runs)
        copy_cpu_seconds = statistics.median(cpu for _, cpu in copy_runs)
        insert_rows = min(rows, MAX_INSERT_ROWS)
        insert_seconds, insert_cpu_seconds = _time_insert(settings, insert_rows, server)

    copy_rate = rows / copy_seconds
    insert_rate = insert_rows / insert_seconds
    return {
        "rows": float(rows),
        "copy_s": round(copy_seconds, 3),
        "copy_rows_per_s": round(copy_rate),
        "copy_cpu_s": round(copy_cpu_seconds, 3),
        "copy_rows_per_cpu_s": round(rows / copy_cpu_seconds),
        "insert_rows": float(insert_rows),
        "insert_s": round(insert_seconds, 3),
        "insert_rows_per_s": round(insert_rate),
        "insert_rows_per_cpu_s": round(insert_rows / insert_cpu_seconds),
        "copy_speedup": round(copy_rate / insert_rate, 1),
    }


def _clock(server_pid: int) -> tuple[float, float]:
    """Return the wall-clock time and the CPU seconds used so far by this process and the PostgreSQL server."""
    return time.perf_counter(), time.process_time() + _server_cpu_seconds(server_pid)


def _elapsed(server_pid: int, started: tuple[float, float]) -> tuple[float, float]:
    """Return the wall seconds and CPU seconds since `started`, a value of `_clock`."""
    wall, cpu = _clock(server_pid)
    return wall - started[0], cpu - started[1]


def _postmaster_pid(settings) -> int:
    """Return the PID of the PostgreSQL postmaster: the parent of a backend."""
    import psycopg2

    connection = psycopg2.connect(settings.warehouse_dsn())
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = int(cursor.fetchone()[0])
    finally:
        connection.close()
    return int(_proc_stat(backend)[1])


def _server_cpu_seconds(postmaster: int) -> float:
    """Return the CPU seconds of the postmaster, of its live children and of the children it has reaped."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _proc_stat(int(entry.name))
        except (FileNotFoundError, ProcessLookupError):
            continue  # the process ended while the folder was read
        pid, parent = int(entry.name), int(fields[1])
        if pid == postmaster:
            ticks += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
        elif parent == postmaster:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> list[str]:
    """Return the fields of /proc/<pid>/stat after the command name, from `state` (field 3) on."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2:].split()


def _payments(rows: int) -> pa.Table:
    generator = np.random.default_rng(7)
    ids = np.arange(rows, dtype=np.int64)
    cents = generator.integers(100, 100_000, rows)
    statuses = np.array(["CAPTURED", "FAILED", "REFUNDED"])[generator.integers(0, 3, rows)]
    return pa.table({
        "payment_id": ids,
        "order_id": ids // 2,
        "date_key": pa.array(np.full(rows, 20300101, dtype=np.int32)),
        "customer_key": generator.integers(1, 50_000, rows),
        "campaign_key": generator.integers(-1, 20, rows),
        "payment_ts": pa.array(np.datetime64("2030-01-01") + generator.integers(0, 86_400_000_000, rows).astype("timedelta64[us]")),
        "amount": pa.array(cents, pa.int64()).cast(pa.decimal128(19, 0)).cast(pa.decimal128(12, 2)),
        "currency": pa.array(np.array(["EUR", "USD", "GBP"])[generator.integers(0, 3, rows)]),
        "amount_usd": pa.array(cents, pa.int64()).cast(pa.decimal128(19, 0)).cast(pa.decimal128(14, 2)),
        "payment_status": pa.array(statuses),
        "payment_method": pa.array(np.array(["card", "paypal", "voucher"])[generator.integers(0, 3, rows)]),
        "coupon_code": pa.array([None if n % 3 else f"SAVE{n % 50}" for n in range(rows)]),
    })


def _write_extract(settings, table: pa.Table) -> str:
    import boto3

    s3 = boto3.client("s3")
    prefix = f"extracts/fact_transactions/dt={DAY.isoformat()}/"
    step = -(-table.num_rows // PARTS)
    for index in range(PARTS):
        sink = io.BytesIO()
        pq.write_table(table.slice(index * step, step), sink, compression="snappy")
        s3.put_object(Bucket=settings.buckets.curated, Key=f"{prefix}part-{index:05d}.parquet", Body=sink.getvalue())
    return f"s3://{settings.buckets.curated}/{prefix}"


def _time_copy(settings, source: str, server_pid: int) -> tuple[float, float]:
    from warehouse.runner import open_runner

    with open_runner(settings) as runner:
        runner.run_file("load/10_truncate_staging.sql")
        started = _clock(server_pid)
        runner.copy("stg", "fact_transactions", source, None)
        return _elapsed(server_pid, started)


def _time_insert(settings, rows: int, server_pid: int) -> tuple[float, float]:
    import boto3
    import psycopg2
    from psycopg2.extras import execute_values

    s3 = boto3.client("s3")
    prefix = f"extracts/fact_transactions/dt={DAY.isoformat()}/"
    connection = psycopg2.connect(settings.warehouse_dsn())
    try:
        with connection.cursor() as cursor:
            cursor.execute('TRUNCATE "stg"."fact_transactions"')
        connection.commit()

        started = _clock(server_pid)
        remaining = rows
        keys = sorted(item["Key"] for item in s3.list_objects_v2(Bucket=settings.buckets.curated, Prefix=prefix)["Contents"])
        with connection.cursor() as cursor:
            for key in keys:
                if remaining <= 0:
                    break
                body = s3.get_object(Bucket=settings.buckets.curated, Key=key)["Body"].read()
                part = pq.read_table(io.BytesIO(body)).slice(0, remaining)
                execute_values(cursor, 'INSERT INTO "stg"."fact_transactions" VALUES %s',
                               list(zip(*(column.to_pylist() for column in part.columns), strict=True)),
                               page_size=INSERT_PAGE_ROWS)
                remaining -= part.num_rows
        connection.commit()
        return _elapsed(server_pid, started)
    finally:
        connection.close()


if __name__ == "__main__":
    for name, value in run(1).items():
        print(f"{name}: {value:,}")
