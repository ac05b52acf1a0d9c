"""The one polling helper of the warehouse: call a check with exponential back-off until it returns a value."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from warehouse.errors import StatementTimeoutError

T = TypeVar("T")
log = logging.getLogger(__name__)


def wait_until(
    check: Callable[[], T | None],
    *,
    description: str,
    timeout_s: float = 900.0,
    first_interval_s: float = 0.25,
    max_interval_s: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Return the first non-None result of `check`; raise StatementTimeoutError after `timeout_s` seconds.

    The wait between calls doubles from `first_interval_s` up to `max_interval_s`.
    """
    deadline = clock() + timeout_s
    interval = first_interval_s
    while True:
        result = check()
        if result is not None:
            return result

        remaining = deadline - clock()
        if remaining <= 0:
            raise StatementTimeoutError(f"{description} did not finish within {timeout_s:g} s; "
                                        "check the query in the Redshift console or raise the timeout")
        log.debug("waiting %.2f s for %s", min(interval, remaining), description)
        sleep(min(interval, remaining))
        interval = min(interval * 2, max_interval_s)
