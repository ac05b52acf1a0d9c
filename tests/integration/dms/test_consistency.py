"""Randomized workloads replicated and applied must reproduce the source tables exactly."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest
from dms_helpers import SOURCE_TABLE_KEYS, RandomWorkload, replicated_state, source_rows, table_checksum

from services.dms import task

pytestmark = pytest.mark.integration


def _assert_tables_equal(environment):
    for table, keys in SOURCE_TABLE_KEYS.items():
        source = source_rows(environment, table, keys)
        replicated = replicated_state(environment, table)
        assert len(replicated) == len(source), table
        assert [row for row in replicated if row not in source] == [], table
        assert table_checksum(replicated) == table_checksum(source), table


def _workload(environment, seed):
    connection = environment.connect()
    connection.autocommit = False
    return RandomWorkload(connection, seed)


def test_random_workload_reproduces_source(dms_env):
    workload = _workload(dms_env, seed=5)
    workload.seed()
    workload.run_transactions(40)
    task.run_until_caught_up(dms_env.settings, dms_env.config())
    for _ in range(3):
        workload.run_transactions(60)
        task.run_until_caught_up(dms_env.settings, dms_env.config())
    workload.connection.close()

    assert workload.changes > 200
    _assert_tables_equal(dms_env)


def _start_cdc(environment):
    code = "import sys; from services.dms.cli import app; app(sys.argv[1:])"
    command = [sys.executable, "-c", code, "cdc", "--config-dir", str(environment.config_dir)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ))


def _last_cdc_file(environment):
    from services.dms.context import build_context

    return build_context(environment.settings, environment.config()).store.read_checkpoint().last_cdc_file


def _wait_for_new_cdc_file(environment, previous, process, timeout_s=60.0):
    """Wait until the CDC process has written a file, so the kill lands while it streams."""
    deadline = time.monotonic() + timeout_s
    while _last_cdc_file(environment) == previous:
        assert process.poll() is None, process.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "CDC process wrote no file in time"
        time.sleep(0.1)


def test_kill_9_during_cdc_loses_nothing(dms_env):
    workload = _workload(dms_env, seed=9)
    workload.seed()
    task.full_load(dms_env.settings, config_dir=dms_env.config_dir)

    stop = threading.Event()

    def write_changes():
        while not stop.is_set():
            workload.run_transactions(5)
            time.sleep(0.02)

    writer = threading.Thread(target=write_changes, daemon=True)
    writer.start()
    chooser = random.Random(3)
    kills = 0
    try:
        for _ in range(5):
            previous = _last_cdc_file(dms_env)
            process = _start_cdc(dms_env)
            _wait_for_new_cdc_file(dms_env, previous, process)
            time.sleep(chooser.uniform(0.0, 1.5))
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            kills += 1
    finally:
        stop.set()
        writer.join(timeout=30)
        workload.connection.close()

    import boto3

    listing = boto3.client("s3").list_objects_v2(Bucket=dms_env.bucket, Prefix=dms_env.table_prefix("orders"))
    cdc_files_before_catch_up = [item["Key"] for item in listing["Contents"] if "/LOAD" not in item["Key"]]
    task.run_until_caught_up(dms_env.settings, dms_env.config())
    assert kills == 5
    assert len(cdc_files_before_catch_up) >= 5
    assert workload.changes > 100
    _assert_tables_equal(dms_env)
