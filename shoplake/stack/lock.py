"""One `shoplake stack` command at a time per data folder.

Two `stack up` runs at once would each start every server, and only one set of
PIDs would reach stack.json, so the other set would keep running unrecorded.
`up`, `down` and `reset` therefore hold an exclusive `flock` on
`<data_dir>/stack.lock`; a second command waits for the first to finish.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from shoplake.errors import StackError

if TYPE_CHECKING:
    from shoplake.settings import Settings

LOCK_TIMEOUT_S = 300.0
POLL_INTERVAL_S = 0.2


def prepare_data_dir(settings: Settings) -> None:
    """Create the data folder; raise StackError when it cannot be created or written."""
    path = settings.data_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-probe"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise StackError(
            f"data folder {path} is not writable or cannot be created ({exc.strerror}); "
            "fix its permissions or set [paths] data_dir (SHOPLAKE_PATHS__DATA_DIR) to a writable folder"
        ) from exc


@contextmanager
def stack_lock(settings: Settings) -> Iterator[None]:
    """Hold the data folder's stack lock; raise StackError after LOCK_TIMEOUT_S seconds of waiting."""
    prepare_data_dir(settings)
    path = settings.data_dir / "stack.lock"
    with path.open("a") as handle:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StackError(
                        f"another 'shoplake stack' command has held {path} for {LOCK_TIMEOUT_S:.0f} s "
                        f"(data folder {settings.data_dir}); wait for it to finish or stop it"
                    ) from None
                time.sleep(POLL_INTERVAL_S)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
