"""Loads that overlap or die: concurrent loads of one or two dates, and kill -9 of a load mid-COPY."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import psycopg2
import pytest

from warehouse.load import load_date

pytestmark = pytest.mark.integration

CUSTOMERS = 20_000  # enough rows that COPY lasts long enough to overlap or to be killed


def _clean_checksums(kit, days):
    for day in days:
        load_date(kit.settings, day)
    return kit.checksums()


def _load_all(settings, days):
    with ThreadPoolExecutor(len(days)) as pool:
        return list(pool.map(lambda day: load_date(settings, day), days))


def test_concurrent_loads_of_one_date_both_succeed(kit):
    day = date(2025, 6, 1)
    kit.write_extracts(day, kit.sample_extracts(day, customers=CUSTOMERS))
    expected = _clean_checksums(kit, [day])

    results = _load_all(kit.settings, [day, day])

    assert results[0] == results[1]
    assert kit.checksums() == expected


def test_concurrent_loads_of_two_dates_both_succeed(kit):
    days = [date(2025, 7, 1), date(2026, 7, 1)]  # a year apart, so the two days share no fact keys
    for day in days:
        kit.write_extracts(day, kit.sample_extracts(day, customers=CUSTOMERS))
    expected = _clean_checksums(kit, days)

    _load_all(kit.settings, days)

    assert kit.checksums() == expected


def _child_environment(settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(SHOPLAKE_PATHS__DATA_DIR=str(settings.data_dir), SHOPLAKE_POSTGRES__WAREHOUSE_DB=settings.warehouse_db,
               SHOPLAKE_BUCKETS__CURATED=settings.buckets.curated,
               SHOPLAKE_BUCKETS__QUARANTINE=settings.buckets.quarantine)
    return env


def _wait_for_copy(settings, child: subprocess.Popen, timeout_s: float = 60.0) -> None:
    connection = psycopg2.connect(settings.warehouse_dsn())
    connection.autocommit = True  # pg_stat_activity stays one snapshot inside a transaction
    deadline = time.monotonic() + timeout_s
    try:
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                assert child.poll() is None, child.stderr.read().decode()
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state = 'active' "
                               "AND query ILIKE 'COPY %%'", (settings.warehouse_db,))
                if cursor.fetchone()[0]:
                    return
                time.sleep(0.01)
    finally:
        connection.close()
    raise AssertionError("no COPY started within the timeout")


def test_rerun_after_kill_9_mid_copy_equals_clean_load(kit):
    day = date(2025, 6, 4)
    kit.write_extracts(day, kit.sample_extracts(day, customers=CUSTOMERS))
    expected = _clean_checksums(kit, [day])
    kit.write_extracts(day, kit.sample_extracts(day, customers=CUSTOMERS * 3))

    child = subprocess.Popen([sys.executable, "-m", "shoplake.cli", "warehouse", "load", "--date", day.isoformat()],
                             env=_child_environment(kit.settings), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _wait_for_copy(kit.settings, child)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert kit.checksums() == expected  # the killed load changed nothing

    kit.write_extracts(day, kit.sample_extracts(day, customers=CUSTOMERS))
    load_date(kit.settings, day)

    assert kit.checksums() == expected
