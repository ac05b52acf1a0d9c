"""Airflow callbacks that turn a failed task or a slow run into an `Alert`.

Airflow 3 has no SLAs. A run that takes longer than `[pipeline]
expected_run_minutes` (default 60) is reported by `check_run_duration`, which
the DAG runs as a teardown task after the last stage, so it runs whether the
stages succeeded or failed and never changes the run's state. A run that hangs
cannot reach that task, so every task also has an `execution_timeout`, and the
task that times out sends a failure alert.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shoplake.pipeline.notifiers import Alert, make_notifier

if TYPE_CHECKING:
    from shoplake.settings import Settings

log = logging.getLogger(__name__)
DEFAULT_EXPECTED_RUN_MINUTES = 60.0


def send_alert(settings: Settings, alert: Alert) -> bool:
    """Send `alert` through the configured notifier; log and return False if sending fails.

    A callback must not raise: Airflow would log the error and drop the alert anyway.
    """
    try:
        make_notifier(settings).send(alert)
    except Exception:  # noqa: BLE001 - any notifier failure is logged, never raised from a callback
        log.exception("could not send %s alert for %s via %s notifier to %s", alert.kind, alert.dag_id,
                      settings.alert_notifier, settings.alert_target)
        return False
    log.info("sent %s alert for %s via %s notifier", alert.kind, alert.dag_id, settings.alert_notifier)
    return True


def notify_task_failure(context: dict[str, Any]) -> None:
    """`on_failure_callback` of every task: alert with DAG, task, logical date, try, error and log location."""
    from shoplake.settings import get_settings

    ti = context["ti"]
    error = context.get("exception")
    alert = Alert(
        kind="task_failed",
        dag_id=ti.dag_id,
        run_id=ti.run_id,
        logical_date=logical_date_text(context),
        task_id=ti.task_id,
        try_number=ti.try_number,
        error=f"{type(error).__name__}: {error}" if error is not None else None,
        log_url=getattr(ti, "log_url", None),
        log_file=local_log_file(ti.dag_id, ti.run_id, ti.task_id, ti.try_number, getattr(ti, "map_index", -1)),
    )
    send_alert(get_settings(), alert)


def check_run_duration(context: dict[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """Alert when the DAG run has taken longer than expected so far; return the figures."""
    from shoplake.settings import get_settings

    settings = settings or get_settings()
    dag_run = context["dag_run"]
    started = run_started_at(settings, dag_run.run_id) or dag_run.start_date or datetime.now(UTC)
    duration_s = (datetime.now(UTC) - started).total_seconds()
    expected_s = expected_run_seconds(settings)
    overdue = duration_s > expected_s
    if overdue:
        send_alert(settings, Alert(kind="run_overdue", dag_id=dag_run.dag_id, run_id=dag_run.run_id,
                                   logical_date=logical_date_text(context), duration_s=round(duration_s, 1),
                                   expected_s=expected_s))
    return {"duration_s": round(duration_s, 1), "expected_s": expected_s, "overdue": overdue}


def run_marker_file(settings: Settings, run_id: str) -> Path:
    safe_name = "".join(char if char.isalnum() or char in "-_." else "_" for char in run_id)
    return settings.data_dir / "pipeline" / "runs" / f"{safe_name}.started"


def mark_run_started(settings: Settings, run_id: str) -> None:
    """Record when the first task of `run_id` started (kept if already recorded).

    `airflow dags test` sets the run's start date to its logical date, so the
    duration check measures from this marker instead.
    """
    path = run_marker_file(settings, run_id)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(datetime.now(UTC).isoformat())


def run_started_at(settings: Settings, run_id: str) -> datetime | None:
    path = run_marker_file(settings, run_id)
    return datetime.fromisoformat(path.read_text().strip()) if path.is_file() else None


def expected_run_seconds(settings: Settings) -> float:
    minutes = settings.section("pipeline").get("expected_run_minutes", DEFAULT_EXPECTED_RUN_MINUTES)
    return float(minutes) * 60.0


def logical_date_text(context: dict[str, Any]) -> str:
    """Return the run's logical date as `YYYY-MM-DD` in UTC: the `dt=` partition the run writes."""
    value = context.get("logical_date") or context.get("data_interval_start")
    if value is None:
        return "unknown"
    return value.astimezone(UTC).date().isoformat()


def local_log_file(dag_id: str, run_id: str, task_id: str, try_number: int, map_index: int = -1) -> str | None:
    """Return the task log's path under Airflow's default log layout, or None outside an Airflow home."""
    home = os.environ.get("AIRFLOW_HOME")
    if not home:
        return None
    mapped = f"map_index={map_index}/" if map_index is not None and map_index >= 0 else ""
    return f"{home}/logs/dag_id={dag_id}/run_id={run_id}/task_id={task_id}/{mapped}attempt={try_number}.log"
