"""kill -9 of the runner and the Firehose service mid-day: after restart, nothing is lost or duplicated."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.services.conftest import put_day, read_records
from tests.integration.services.daylogs import access_log_day, campaign_events

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
LINES_PER_HOUR = 400
BAD_EVERY = 101


def start_cli(*arguments: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from shoplake.cli import run; run()", *arguments],
                            cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for(condition, timeout_s: float, description: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {description}")
        time.sleep(0.02)


def processed_objects(stack, date: str) -> int:
    path = stack.data_dir / "runner" / "log_processor.json"
    try:
        return sum(f"dt={date}/" in key for key in json.loads(path.read_text()))
    except (FileNotFoundError, json.JSONDecodeError):
        return 0


def kill_firehose(stack) -> None:
    from shoplake.stack.state import read_state

    pid = read_state(stack)["firehose"].pid
    os.kill(pid, signal.SIGKILL)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        wait_for(lambda: not Path(f"/proc/{pid}").exists(), 10, f"Firehose pid {pid} to exit")


def expected_record_ids(stack, day) -> set[str]:
    return {hashlib.sha256(f"{stack.buckets.raw}/{key}:{line}".encode()).hexdigest()
            for key in day.objects for line in range(1, LINES_PER_HOUR + 1) if line % BAD_EVERY}


def test_log_pipeline_survives_kill_9(stack, s3):
    from services.runner.logs import run_log_processor
    from shoplake import aws
    from shoplake.stack import manager

    day = access_log_day("2031-02-01", LINES_PER_HOUR, bad_every=BAD_EVERY)
    put_day(s3, stack.buckets.raw, day.objects)
    buffers = stack.data_dir / "firehose" / "streams" / stack.firehose_stream / "buffers"

    runner = start_cli("lambda", "run", "log-processor", "--date", "2031-02-01")
    wait_for(lambda: processed_objects(stack, "2031-02-01") >= 12, 120, "the runner to process 12 objects")
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    undelivered = list(buffers.glob("*.open")) + list(buffers.glob("*.sealed"))
    kill_firehose(stack)

    manager.up(stack)
    aws.activate(stack)
    result = run_log_processor(stack, "2031-02-01")
    records = read_records(s3, stack.buckets.staging, "access_logs/dt=2031-02-01/")
    record_ids = {record["record_id"] for record in records}

    assert undelivered, "the Firehose service had no buffered records when it was killed"
    assert 12 <= result["objects_skipped"] < 48
    assert record_ids == expected_record_ids(stack, day)
    assert len(record_ids) == day.good_lines


def test_campaign_runner_survives_kill_9(stack, s3):
    from services.runner.campaigns import run_campaign_processor
    from services.runner.producer import put_events
    from shoplake import aws

    run_campaign_processor(stack)
    events, invalid = campaign_events("2031-02-02", 1500, seed=5)
    put_events(aws.client("kinesis", stack), stack.campaign_stream, events)
    checkpoints = stack.data_dir / "runner" / "campaign_processor.json"
    before = checkpoints.read_text() if checkpoints.exists() else ""

    runner = start_cli("lambda", "run", "campaign-processor", "--batch-size", "10")
    wait_for(lambda: checkpoints.exists() and checkpoints.read_text() != before, 60,
             "the campaign runner to checkpoint a batch")
    time.sleep(0.5)
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    result = run_campaign_processor(stack)
    staged = read_records(s3, stack.buckets.staging, "campaign_events/dt=2031-02-02/")

    assert 0 < result["records_read"] < len(events)
    assert len({record["event_id"] for record in staged}) == len(events) - invalid
