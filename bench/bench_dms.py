"""Replicator CDC throughput and commit-to-S3 lag at an offered load of 1,000 changes per second.

A private embedded stack is started for the run. A writer thread commits
transactions of 10 row changes (inserts, then updates of the same rows into
`shop.payments`) paced to 1,000 changes per second for `scale` × 20 seconds,
while the replicator's CDC loop runs in another thread with the checked-in
target settings (Parquet, CdcMaxBatchInterval 3 s). Lag per flush is the time
from the commit of the flush's oldest transaction to the end of its S3 writes.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time

from bench._common import private_stack

OFFERED_CHANGES_PER_S = 1000
CHANGES_PER_TRANSACTION = 10
SECONDS_PER_SCALE = 20
DATABASE = "dms_bench"
CATCH_UP_TIMEOUT_S = 60


def run(scale: int) -> dict[str, float]:
    """Return sustained changes/s and lag figures for `scale` × 20 s of paced load."""
    with private_stack("shoplake-bench-dms-") as settings:
        config_dir = _prepare(settings)
        from services.dms import task

        task.full_load(settings, config_dir=config_dir)
        reports: list = []
        streams: list = []
        cdc = threading.Thread(target=task.run_cdc, kwargs={
            "settings": settings, "config_dir": config_dir, "on_flush": reports.append,
            "stream_hook": streams.append})
        cdc.start()
        written, write_seconds, last_commit = _write_paced(settings, SECONDS_PER_SCALE * scale)
        _wait_for(reports, written)
        streams[0].request_stop()
        cdc.join(timeout=30)
    return _figures(reports, written, write_seconds, last_commit)


def _figures(reports, written: int, write_seconds: float, last_commit: float) -> dict[str, float]:
    replicated = sum(sum(report.rows.values()) for report in reports)
    lags = [(report.written_at - report.first_commit_at).total_seconds() for report in reports]
    first_commit = min(report.first_commit_at for report in reports).timestamp()
    last_written = max(report.written_at for report in reports).timestamp()
    return {
        "offered_changes_per_s": round(written / write_seconds),
        "replicated_changes": float(replicated),
        "sustained_changes_per_s": round(replicated / (last_written - first_commit)),
        "lag_max_s": round(max(lags), 2),
        "lag_p50_s": round(statistics.median(lags), 2),
        "lag_last_commit_s": round(last_written - last_commit, 2),
        "flushes": float(len(reports)),
    }


def _prepare(settings):
    """Create the bench database with the reference DDL and a task config pointing at it."""
    import json
    import shutil
    from pathlib import Path

    import psycopg2

    from services.dms.config import CONFIG_DIR

    admin = psycopg2.connect(settings.source_dsn(), dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {DATABASE}")
    admin.close()
    source = psycopg2.connect(settings.source_dsn(), dbname=DATABASE)
    with source, source.cursor() as cursor:
        cursor.execute((CONFIG_DIR.parent / "source_schema.sql").read_text())
        cursor.execute("INSERT INTO shop.customers (customer_id) VALUES (1)")
        cursor.execute("INSERT INTO shop.orders (order_id, customer_id) VALUES (1, 1)")
    source.close()

    folder = Path(tempfile.mkdtemp(prefix="shoplake-bench-dms-config-"))
    for path in CONFIG_DIR.glob("*.json"):
        shutil.copy(path, folder / path.name)
    endpoint = json.loads((folder / "source-endpoint.json").read_text())
    endpoint["DatabaseName"] = DATABASE
    (folder / "source-endpoint.json").write_text(json.dumps(endpoint))
    return folder


def _write_paced(settings, seconds: int) -> tuple[int, float, float]:
    """Commit 10-change transactions at the offered rate; return (changes, seconds, last commit time)."""
    import psycopg2

    connection = psycopg2.connect(settings.source_dsn(), dbname=DATABASE)
    interval = CHANGES_PER_TRANSACTION / OFFERED_CHANGES_PER_S
    started = time.monotonic()
    written, next_id, transactions = 0, 1, int(seconds / interval)
    with connection.cursor() as cursor:
        for number in range(transactions):
            if number % 2 == 0:
                cursor.execute("INSERT INTO shop.payments (payment_id, order_id, amount, coupon_code) "
                               "SELECT n, 1, n / 100.0, 'C' || n FROM generate_series(%s, %s) n",
                               (next_id, next_id + CHANGES_PER_TRANSACTION - 1))
            else:
                cursor.execute("UPDATE shop.payments SET status = 'CAPTURED' WHERE payment_id BETWEEN %s AND %s",
                               (next_id, next_id + CHANGES_PER_TRANSACTION - 1))
                next_id += CHANGES_PER_TRANSACTION
            connection.commit()
            written += CHANGES_PER_TRANSACTION
            delay = started + (number + 1) * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    last_commit = time.time()
    connection.close()
    return written, time.monotonic() - started, last_commit


def _wait_for(reports: list, written: int) -> None:
    deadline = time.monotonic() + CATCH_UP_TIMEOUT_S
    while sum(sum(report.rows.values()) for report in reports) < written and time.monotonic() < deadline:
        time.sleep(0.2)


if __name__ == "__main__":
    for name, value in run(1).items():
        print(f"{name}: {value}")
