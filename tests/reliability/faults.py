"""Fault helpers of the reliability suite: kill servers and stages, read staged records, write source churn."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import psycopg2

from bench._common import start_stage

DAY = date(2026, 11, 2)
SEED = 42


def scale() -> float:
    """Return the data scale of the suite: SHOPLAKE_RELIABILITY_SCALE, 0.05 (5,000 log lines) by default."""
    return float(os.environ.get("SHOPLAKE_RELIABILITY_SCALE", "0.05"))


def prepare_day(settings: Any) -> None:
    """Generate one day, run the source_db stage's full load, then apply the follow-up changes for CDC."""
    from bench._common import run_stage_process
    from sample_data.generate import apply_changes, generate_all

    generate_all(settings, seed=SEED, scale=scale(), start=DAY, days=1, progress=False)
    full_load = run_stage_process(settings, "source_db", DAY.isoformat())
    assert full_load.returncode == 0, full_load.output[-3000:]
    apply_changes(settings, seed=SEED, scale=scale(), start=DAY, days=1)


def wait_for(condition: Callable[[], bool], timeout_s: float, description: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {description}")
        time.sleep(0.05)


def kill_server(settings: Any, name: str, signal_number: int = signal.SIGKILL) -> int:
    """Send `signal_number` to the stack server `name` (its PID from stack.json) and wait until it exits."""
    from shoplake.stack.state import read_state

    pid = read_state(settings)[name].pid
    os.kill(pid, signal_number)
    wait_for(lambda: not _running(pid), 60, f"{name} (pid {pid}) to exit")
    return pid


def _running(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[-1][:1] != "Z"


def restart_stack(settings: Any) -> None:
    """Start every stopped server again (`shoplake stack up`) and point boto3 at the stack."""
    from shoplake import aws
    from shoplake.stack import manager

    manager.up(settings)
    aws.activate(settings)


def start_stage_child(settings: Any, stage: str, name: str) -> subprocess.Popen:
    """Start `stage` for the suite's day in a child process group; its output goes to `<data_dir>/stage-logs`."""
    return start_stage(stage, DAY.isoformat(), settings.data_dir / "stage-logs" / f"{name}.log")


def kill_stage_child(process: subprocess.Popen) -> None:
    """kill -9 the stage child and everything it started (the spark-submit JVM too)."""
    assert process.poll() is None, "the stage finished before the kill; the fault was not injected"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def staged_records(settings: Any, prefix: str, bucket: str | None = None) -> list[dict[str, Any]]:
    """Return every JSON record of every object under `prefix` (staging bucket by default), copies included."""
    from services.firehose.records import iter_json_records
    from shoplake import aws

    s3 = aws.client("s3", settings)
    bucket = bucket or settings.buckets.staging
    records: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            records.extend(iter_json_records(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()))
    return records


def delete_prefix(settings: Any, bucket: str, prefix: str) -> int:
    """Delete every object under `prefix` in `bucket`; return how many were deleted."""
    from shoplake import aws

    s3 = aws.client("s3", settings)
    deleted = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])
            deleted += 1
    return deleted


def access_log_ids(settings: Any) -> Counter[str]:
    """Return how often each access-log record id is staged for the suite's day."""
    return Counter(record["record_id"] for record in staged_records(settings, f"access_logs/dt={DAY}/"))


def campaign_event_ids(settings: Any) -> Counter[str]:
    """Return how often each campaign event id is staged (every date)."""
    return Counter(record["event_id"] for record in staged_records(settings, "campaign_events/"))


def log_checkpoint(settings: Any) -> dict[str, Any]:
    """Return the log runner's checkpoint: per processed raw object, its ETag and counts."""
    import json

    path = settings.data_dir / "runner" / "log_processor.json"
    return dict(json.loads(path.read_text())) if path.is_file() else {}


def forget_processed_objects(settings: Any) -> None:
    """Delete the log runner's checkpoint, so the next run processes every raw object again."""
    (settings.data_dir / "runner" / "log_processor.json").unlink(missing_ok=True)


class SourceChurn:
    """Commit no-op updates (`SET status = status`) to shop.orders in a thread, one order per transaction.

    Each update is a CDC change for the replicator while the source's final state stays the same,
    so a faulted run must still end with the clean run's warehouse. A lost connection (a restarted
    PostgreSQL) ends the thread; `committed` counts the transactions that committed.
    """

    def __init__(self, settings: Any, transactions: int) -> None:
        self.settings = settings
        self.transactions = transactions
        self.committed = 0
        self.error: Exception | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._write, daemon=True)

    def __enter__(self) -> SourceChurn:
        self._thread.start()
        return self

    def wait_for_backlog(self, transactions: int) -> None:
        """Wait until `transactions` updates have committed, so the replicator starts behind."""
        wait_for(lambda: self.committed >= transactions or self.error is not None, 300,
                 f"{transactions} source transactions")

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def _write(self) -> None:
        try:
            connection = psycopg2.connect(self.settings.source_dsn())
        except psycopg2.OperationalError as exc:
            self.error = exc
            return
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT order_id FROM shop.orders ORDER BY order_id")
                order_ids = [row[0] for row in cursor.fetchall()]
                for number in range(self.transactions):
                    if self._stop.is_set():
                        return
                    cursor.execute("UPDATE shop.orders SET status = status WHERE order_id = %s",
                                   (order_ids[number % len(order_ids)],))
                    connection.commit()
                    self.committed += 1
                    time.sleep(0.005)
        except psycopg2.Error as exc:
            self.error = exc
        finally:
            connection.close()


def replication_slot_active(settings: Any) -> bool:
    """Return True while a replication connection streams from one of the source's logical slots."""
    connection = psycopg2.connect(settings.source_dsn())
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_replication_slots WHERE active AND database = current_database()")
            return bool(cursor.fetchone()[0])
    finally:
        connection.close()
