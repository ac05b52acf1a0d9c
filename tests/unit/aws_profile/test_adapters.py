"""shoplake.adapters without a server: the polling helper, DMS start types, Glue arguments and DPU-hours."""

from __future__ import annotations

import pytest

from shoplake.adapters.dms import start_type
from shoplake.adapters.glue import dpu_hours, start_arguments
from shoplake.adapters.polling import PollPolicy, PollTimeoutError, poll_until_final


class FakeClock:
    """A monotonic clock that advances only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_poll_returns_first_final_state() -> None:
    states = iter(["RUNNING", "RUNNING", "SUCCEEDED"])
    clock = FakeClock()

    state = poll_until_final(lambda: next(states), lambda value: value == "SUCCEEDED", PollPolicy(5, 60), "run",
                             sleep=clock.sleep, clock=lambda: clock.now)

    assert state == "SUCCEEDED"
    assert clock.sleeps == [5, 5]


def test_poll_times_out_with_description() -> None:
    clock = FakeClock()

    with pytest.raises(PollTimeoutError) as error:
        poll_until_final(lambda: "RUNNING", lambda value: False, PollPolicy(10, 30), "Glue job x run 1",
                         sleep=clock.sleep, clock=lambda: clock.now)

    assert "Glue job x run 1 did not finish within 30 s" in str(error.value)
    assert clock.now <= 30


@pytest.mark.parametrize(("task", "expected"), [
    ({"Status": "ready"}, "start-replication"),
    ({"Status": "stopped", "ReplicationTaskStartDate": "2026-11-02T00:00:00Z"}, "resume-processing"),
    ({"Status": "failed", "ReplicationTaskStartDate": "2026-11-02T00:00:00Z"}, "resume-processing"),
    ({"Status": "running"}, None),
    ({"Status": "starting"}, None),
])
def test_dms_start_type_by_status(task: dict, expected: str | None) -> None:
    assert start_type(task) == expected


def test_glue_arguments_get_dashes() -> None:
    arguments = start_arguments("2026-11-02", {"scale": "1", "--already": "x"})

    assert arguments == {"--logical_date": "2026-11-02", "--scale": "1", "--already": "x"}


def test_glue_dpu_hours_from_workers() -> None:
    run = {"NumberOfWorkers": 2, "WorkerType": "G.2X", "ExecutionTime": 900}

    assert dpu_hours(run) == pytest.approx(2 * 2.0 * 900 / 3600)
    assert dpu_hours({"DPUSeconds": 7200.0, "ExecutionTime": 10}) == pytest.approx(2.0)
