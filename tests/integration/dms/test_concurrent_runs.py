"""Two replicator runs on one slot at once: the second stops with a clear error, and nothing is lost."""

from __future__ import annotations

import threading
import time

import pytest
from dms_helpers import replicated_state, source_rows, table_checksum

from services.dms import task
from services.dms.errors import SlotInUseError

pytestmark = pytest.mark.integration


def _insert_customers(environment, first: int, count: int) -> None:
    with environment.connect() as connection, connection.cursor() as cursor:
        for customer_id in range(first, first + count):
            cursor.execute("INSERT INTO shop.customers (customer_id, email) VALUES (%s, %s)",
                           (customer_id, f"c{customer_id}@shop.example"))


def _wait_until_slot_active(environment, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    with environment.connect() as connection, connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT active FROM pg_replication_slots WHERE slot_name = %s",
                           (environment.config().slot_name,))
            row = cursor.fetchone()
            if row and row[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the CDC stream never took the slot")


def test_second_run_while_cdc_streams_reports_slot_in_use(dms_env):
    _insert_customers(dms_env, 1, 3)
    task.run_until_caught_up(dms_env.settings, dms_env.config())
    _insert_customers(dms_env, 10, 3)
    streaming = threading.Thread(target=task.run_cdc, args=(dms_env.settings, dms_env.config()),
                                 kwargs={"max_seconds": 6})
    streaming.start()
    _wait_until_slot_active(dms_env)

    with pytest.raises(SlotInUseError) as caught:
        task.run_until_caught_up(dms_env.settings, dms_env.config())
    streaming.join()

    assert dms_env.config().slot_name in str(caught.value)
    assert "in use" in str(caught.value)
    task.run_until_caught_up(dms_env.settings, dms_env.config())
    expected = source_rows(dms_env, "customers", ["customer_id"])
    replicated = [{k: v for k, v in row.items() if k not in ("Op", "dms_commit_ts")}
                  for row in replicated_state(dms_env, "customers")]
    assert table_checksum(replicated) == table_checksum(expected)


def test_run_twice_in_a_row_writes_nothing_new(dms_env):
    _insert_customers(dms_env, 1, 3)
    task.run_until_caught_up(dms_env.settings, dms_env.config())

    second = task.run_until_caught_up(dms_env.settings, dms_env.config())

    assert all(counts == {"full_load_rows": 0, "cdc_rows": 0} for counts in second["tables"].values())
