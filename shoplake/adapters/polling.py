"""The one polling helper of the adapters: read a state until it is final, with a deadline."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from shoplake.errors import ShoplakeError

log = logging.getLogger(__name__)
State = TypeVar("State")


class PollTimeoutError(ShoplakeError):
    """Remote work did not reach a final state before the deadline."""


@dataclass(frozen=True)
class PollPolicy:
    """Seconds between two reads and seconds before giving up."""

    delay_s: float
    timeout_s: float


def poll_until_final(read_state: Callable[[], State], is_final: Callable[[State], bool], policy: PollPolicy,
                     description: str, sleep: Callable[[float], None] = time.sleep,
                     clock: Callable[[], float] = time.monotonic) -> State:
    """Call `read_state` until `is_final` accepts its result; raise PollTimeoutError after `policy.timeout_s`."""
    deadline = clock() + policy.timeout_s
    while True:
        state = read_state()
        if is_final(state):
            return state
        if clock() + policy.delay_s > deadline:
            raise PollTimeoutError(f"{description} did not finish within {policy.timeout_s:.0f} s; "
                                   "check it in the AWS console")
        log.debug("%s not final yet; next check in %.0f s", description, policy.delay_s)
        sleep(policy.delay_s)
