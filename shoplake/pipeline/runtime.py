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


def partition_date(logical_date: datetime | date | str) -> date:
    """Return the UTC calendar date of a run's logical date: the `dt=` partition the run writes.

    The DAG's timetable makes a scheduled run's logical date the start of its day;
    a manual run (`airflow dags test DAG D`) has logical date D too, although
    Airflow then reports the interval of the day before as its data interval.
    """
    if isinstance(logical_date, str):
        logical_date = datetime.fromisoformat(logical_date)
    if isinstance(logical_date, datetime):
        if logical_date.tzinfo is None:
            raise ValueError(f"logical date {logical_date} has no time zone; pass an aware UTC datetime")
        return logical_date.astimezone(UTC).date()
    return logical_date


def run_stage(stage: str, logical_date: datetime | date | str, try_number: int = 1,
              settings: Settings | None = None) -> dict[str, Any]:
    """Run `stage` for the interval's UTC date and return its counts; see the module doc for failures."""
    return _run_task(stage, logical_date, try_number, settings,
                     lambda current, day: stages.resolve(stage, current)(current, day))


def run_gate(gate: str, logical_date: datetime | date | str, try_number: int = 1,
             settings: Settings | None = None) -> dict[str, Any]:
    """Run the quality gate `gate` (see `shoplake.pipeline.quality`); a failed expectation is terminal."""
    from shoplake.pipeline import quality

    def check(current: Settings, day: date) -> dict[str, Any]:
        result = quality.run_gate(current, gate, day)
        return {"evaluated": result.evaluated, "failed": len(result.failed)}

    return _run_task(f"{gate}_quality_gate", logical_date, try_number, settings, check)


def run_publish_data_docs(logical_date: datetime | date | str, try_number: int = 1,
                          settings: Settings | None = None) -> dict[str, Any]:
    """Rebuild the Data Docs site and upload it to the curated bucket."""
    from shoplake.pipeline import quality

    return _run_task("data_docs", logical_date, try_number, settings,
                     lambda current, day: quality.publish_data_docs(current))


def run_airflow_task(kind: str, name: str, logical_date: datetime, ti: Any) -> dict[str, Any]:
    """Entry point of the DAG's tasks: note when the run started, then run a stage, a gate or Data Docs."""
    from shoplake.pipeline.alerts import mark_run_started
    from shoplake.settings import get_settings

    mark_run_started(get_settings(), ti.run_id)
    if kind == "stage":
        return run_stage(name, logical_date, ti.try_number)
    if kind == "gate":
        return run_gate(name, logical_date, ti.try_number)
    if kind == "data_docs":
        return run_publish_data_docs(logical_date, ti.try_number)
    raise ValueError(f"unknown task kind {kind!r}: expected stage, gate or data_docs")


def _run_task(name: str, logical_date: datetime | date | str, try_number: int, settings: Settings | None,
              work: Callable[[Settings, date], dict[str, Any]]) -> dict[str, Any]:
    from shoplake import aws
    from shoplake.settings import get_settings

    settings = settings or get_settings()
    day = partition_date(logical_date)
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


def recorded_stage_runs(settings: Settings) -> list[dict[str, Any]]:
    """Read every entry of the stage log, oldest first; an empty list when no stage has finished yet."""
    path = stage_log_file(settings)
    return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []


def record_stage_run(settings: Settings, stage: str, day: date, try_number: int, seconds: float,
                     counts: dict[str, Any] | None) -> None:
    path = stage_log_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {"stage": stage, "date": day.isoformat(), "try": try_number, "seconds": round(seconds, 3),
             "finished_at": datetime.now(UTC).isoformat(timespec="seconds"), "counts": counts or {}}
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, default=str) + "\n")
