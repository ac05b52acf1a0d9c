"""Run one stage as an Airflow task: pick the date, call the stage, classify its failure.

A transient failure is re-raised as `TransientError`, which Airflow retries
with exponential back-off; any other failure becomes `AirflowFailException`,
which fails the task at once without using its retries.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shoplake.pipeline import faults, stages
from shoplake.pipeline.errors import TransientError, is_transient

if TYPE_CHECKING:
    from shoplake.settings import Settings

log = logging.getLogger(__name__)


def partition_date(interval_start: datetime | date | str) -> date:
    """Return the UTC calendar date that a data interval starting at `interval_start` covers."""
    if isinstance(interval_start, str):
        interval_start = datetime.fromisoformat(interval_start)
    if isinstance(interval_start, datetime):
        if interval_start.tzinfo is None:
            raise ValueError(f"interval start {interval_start} has no time zone; pass an aware UTC datetime")
        return interval_start.astimezone(UTC).date()
    return interval_start


def run_stage(stage: str, interval_start: datetime | date | str, try_number: int = 1,
              settings: Settings | None = None) -> dict[str, Any]:
    """Run `stage` for the interval's UTC date and return its counts; see the module doc for failures."""
    return _run_task(stage, interval_start, try_number, settings,
                     lambda current, day: stages.resolve(stage, current)(current, day))


def run_gate(gate: str, interval_start: datetime | date | str, try_number: int = 1,
             settings: Settings | None = None) -> dict[str, Any]:
    """Run the quality gate `gate` (see `shoplake.pipeline.quality`); a failed expectation is terminal."""
    from shoplake.pipeline import quality

    def check(current: Settings, day: date) -> dict[str, Any]:
        result = quality.run_gate(current, gate, day)
        return {"evaluated": result.evaluated, "failed": len(result.failed)}

    return _run_task(f"{gate}_quality_gate", interval_start, try_number, settings, check)


def run_publish_data_docs(interval_start: datetime | date | str, try_number: int = 1,
                          settings: Settings | None = None) -> dict[str, Any]:
    """Rebuild the Data Docs site and upload it to the curated bucket."""
    from shoplake.pipeline import quality

    return _run_task("data_docs", interval_start, try_number, settings,
                     lambda current, day: quality.publish_data_docs(current))


def _run_task(name: str, interval_start: datetime | date | str, try_number: int, settings: Settings | None,
              work: Callable[[Settings, date], dict[str, Any]]) -> dict[str, Any]:
    from shoplake import aws
    from shoplake.settings import get_settings

    settings = settings or get_settings()
    day = partition_date(interval_start)
    aws.activate(settings)
    started = time.monotonic()
    try:
        faults.inject(settings, name, day, try_number, "before")
        counts = work(settings, day)
        faults.inject(settings, name, day, try_number, "after")
    except Exception as exc:
        raise classify_failure(name, day, exc) from exc

    seconds = time.monotonic() - started
    record_stage_run(settings, name, day, try_number, seconds, counts)
    log.info("%s for %s finished in %.1f s: %s", name, day, seconds, counts)
    return dict(counts or {})


def classify_failure(stage: str, day: date, exc: BaseException) -> Exception:
    """Return the exception to raise for a failed stage: `TransientError` or `AirflowFailException`."""
    message = f"stage {stage} failed for {day.isoformat()}: {type(exc).__name__}: {exc}"
    if is_transient(exc):
        return exc if isinstance(exc, TransientError) else TransientError(message)

    from airflow.sdk.exceptions import AirflowFailException

    return AirflowFailException(f"{message} (terminal: not retried)")


def stage_log_file(settings: Settings) -> Path:
    """Return the JSON-lines file in which each finished stage records its duration and counts."""
    return settings.data_dir / "pipeline" / "stage_runs.jsonl"


def record_stage_run(settings: Settings, stage: str, day: date, try_number: int, seconds: float,
                     counts: dict[str, Any] | None) -> None:
    path = stage_log_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {"stage": stage, "date": day.isoformat(), "try": try_number, "seconds": round(seconds, 3),
             "finished_at": datetime.now(UTC).isoformat(timespec="seconds"), "counts": counts or {}}
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, default=str) + "\n")
