"""Helpers shared by the benchmarks and the reliability suite.

`private_stack` starts an embedded stack in its own folder on free ports, so a
benchmark or a test that kills servers never touches anyone else's stack.
`run_stage_process` runs one pipeline stage in a child process (the code that
the DAG task runs) and measures its wall time and the peak memory of the
child's whole process tree, which includes the JVM of `spark-submit` for Glue
jobs.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2

from shoplake.pipeline.stages import STAGES

ROOT = Path(__file__).resolve().parent.parent
PORT_KEYS = ("S3", "KINESIS", "FIREHOSE", "POSTGRES")
MEMORY_SAMPLE_INTERVAL_S = 0.2

# The DAG's stages in an order that respects its dependencies (the four ingest
# stages run in parallel in Airflow and one after another here). The dashboard
# stage only renders a page and is left out.
PIPELINE_STAGES = tuple(name for name in STAGES if name != "dashboard")
STAR_TABLES = ("dim_date", "dim_customer", "dim_product", "dim_campaign", "fact_network_traffic",
               "fact_transactions", "fact_product_sales", "fact_campaign_interactions")

STAGE_CHILD_CODE = """
import json, sys
from datetime import date
from shoplake.pipeline.runtime import run_stage
counts = run_stage(sys.argv[1], date.fromisoformat(sys.argv[2]))
print("STAGE-COUNTS " + json.dumps(counts, default=str), flush=True)
"""


@contextmanager
def private_stack(prefix: str = "shoplake-bench-", keep: bool = False) -> Iterator[Any]:
    """Start an embedded stack on free ports in a new temporary folder; stop it and restore the environment after.

    The folder is deleted afterwards unless `keep` is true. Yields the stack's Settings.
    """
    from shoplake import aws
    from shoplake.settings import get_settings, reset_settings_cache
    from shoplake.stack import manager

    data_dir = tempfile.mkdtemp(prefix=prefix)
    os.chmod(data_dir, 0o755)
    saved = dict(os.environ)
    os.environ.update({"SHOPLAKE_PROFILE": "embedded", "SHOPLAKE_PATHS__DATA_DIR": data_dir,
                       "SHOPLAKE_ALERTS__TARGET": str(Path(data_dir) / "alerts.jsonl"),
                       **{f"SHOPLAKE_PORTS__{key}": "0" for key in PORT_KEYS}})
    os.environ.setdefault("JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    reset_settings_cache()
    settings = get_settings()
    try:
        manager.up(settings)
        aws.activate(settings)
        yield settings
    finally:
        manager.down(settings)
        os.environ.clear()
        os.environ.update(saved)
        reset_settings_cache()
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)


class PeakMemory:
    """Sample the resident memory of a process and all its descendants every 0.2 s; keep the maximum sum.

    A peak shorter than the sampling interval can be missed, so the figure is a lower bound.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, _tree_rss(root))
            self._stop.wait(MEMORY_SAMPLE_INTERVAL_S)


def _tree_rss(root: Any) -> int:
    import psutil

    total = 0
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


@dataclass
class StageRun:
    """One finished stage child process: exit code, wall time, peak memory, counts and output."""

    stage: str
    day: str
    returncode: int
    seconds: float
    peak_bytes: int
    counts: dict[str, Any] = field(default_factory=dict)
    output: str = ""


def start_stage(stage: str, day: str, log_file: Path) -> subprocess.Popen:
    """Start `stage` for `day` in a child process that writes its output to `log_file`."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("w") as output:
        return subprocess.Popen([sys.executable, "-c", STAGE_CHILD_CODE, stage, day], cwd=ROOT,
                                env=dict(os.environ), stdout=output, stderr=subprocess.STDOUT,
                                start_new_session=True)


def run_stage_process(settings: Any, stage: str, day: str, timeout_s: float = 3600) -> StageRun:
    """Run `stage` for `day` in a child process and wait for it; return its time, peak memory and counts."""
    log_file = settings.data_dir / "stage-logs" / f"{day}-{stage}.log"
    started = time.perf_counter()
    process = start_stage(stage, day, log_file)
    try:
        with PeakMemory(process.pid) as memory:
            returncode = process.wait(timeout=timeout_s)
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)  # an interrupted run must not leave a stage (and its JVM) behind
        process.wait()
        raise
    seconds = time.perf_counter() - started
    output = log_file.read_text(errors="replace")
    return StageRun(stage, day, returncode, seconds, memory.peak_bytes, stage_counts(output), output)


def stage_counts(output: str) -> dict[str, Any]:
    """Return the counts that the stage child printed, or an empty dict when it failed before printing them."""
    for line in reversed(output.splitlines()):
        if line.startswith("STAGE-COUNTS "):
            return dict(json.loads(line.removeprefix("STAGE-COUNTS ")))
    return {}


class StageFailedError(RuntimeError):
    """A pipeline stage child process exited with a non-zero code."""


def run_pipeline_day(settings: Any, day: str, stages: tuple[str, ...] = PIPELINE_STAGES) -> list[StageRun]:
    """Run `stages` for `day` one after another in child processes; raise StageFailedError on the first failure."""
    runs = []
    for stage in stages:
        run = run_stage_process(settings, stage, day)
        runs.append(run)
        if run.returncode != 0:
            raise StageFailedError(f"stage {stage} for {day} exited with {run.returncode}; "
                                   f"last output:\n{run.output[-3000:]}")
    return runs


def star_checksums(settings: Any) -> dict[str, tuple[int, str]]:
    """Return (rows, md5 of the sorted row texts) of each star table in the warehouse."""
    from psycopg2 import sql

    checksums = {}
    connection = psycopg2.connect(settings.warehouse_dsn())
    try:
        with connection.cursor() as cursor:
            for table in STAR_TABLES:
                identifier = sql.Identifier("star", table)
                cursor.execute(sql.SQL("SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') "
                                       "FROM {} AS t").format(identifier))
                rows, digest = cursor.fetchone()
                checksums[table] = (int(rows), str(digest))
    finally:
        connection.close()
    return checksums
