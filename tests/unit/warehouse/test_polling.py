"""The polling helper: back-off, result and timeout, with a fake clock."""

from __future__ import annotations

import pytest

from warehouse.errors import StatementTimeoutError
from warehouse.polling import wait_until


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_until_returns_first_result_with_backoff():
    clock = FakeClock()
    answers = iter([None, None, None, "done"])

    result = wait_until(lambda: next(answers), description="test", first_interval_s=1, max_interval_s=3,
                        sleep=clock.sleep, clock=lambda: clock.now)

    assert result == "done"
    assert clock.sleeps == [1, 2, 3]


def test_wait_until_times_out_with_description():
    clock = FakeClock()

    with pytest.raises(StatementTimeoutError, match="statement 42 did not finish within 5 s"):
        wait_until(lambda: None, description="statement 42", timeout_s=5, first_interval_s=1,
                   sleep=clock.sleep, clock=lambda: clock.now)

    assert sum(clock.sleeps) == 5
