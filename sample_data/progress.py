"""Progress bars on the terminal (rich), one per source; silent when disabled."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType

from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class Reporter:
    """Wraps one rich Progress; `step` yields a function that advances the step's bar."""

    def __init__(self, enabled: bool) -> None:
        self._progress = Progress(SpinnerColumn(), TextColumn("{task.description:<30}"), BarColumn(),
                                  MofNCompleteColumn(), TimeElapsedColumn(), disable=not enabled, transient=False)

    def __enter__(self) -> Reporter:
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self._progress.stop()

    @contextmanager
    def step(self, description: str, total: int | None) -> Iterator[Callable[[int], None]]:
        task = self._progress.add_task(description, total=total)

        def advance(amount: int) -> None:
            self._progress.advance(task, amount)

        yield advance
        self._progress.update(task, total=total or 1, completed=total or 1)
