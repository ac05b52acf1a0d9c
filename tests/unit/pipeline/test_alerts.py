"""Failure callback and run-duration check write the expected alerts to the file sink."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from shoplake.pipeline import alerts
from shoplake.pipeline.notifiers import FileNotifier


@pytest.fixture
def use_settings(settings, monkeypatch):
    monkeypatch.setattr("shoplake.settings.get_settings", lambda: settings)
    return settings


def _context(**extra):
    ti = SimpleNamespace(dag_id="shoplake_pipeline", run_id="scheduled__2026-11-02", task_id="load.warehouse_copy",
                         try_number=4, map_index=-1, log_url="http://127.0.0.1:8080/dags/x")
    context = {"ti": ti, "logical_date": datetime(2026, 11, 2, tzinfo=UTC), "exception": ValueError("bad row")}
    context.update(extra)
    return context


def test_failure_alert_has_task_date_try_error_and_log(use_settings, monkeypatch):
    monkeypatch.setenv("AIRFLOW_HOME", "/srv/airflow")
    alerts.notify_task_failure(_context())
    [alert] = FileNotifier(use_settings.data_dir / "alerts.jsonl").read()
    assert alert["kind"] == "task_failed"
    assert alert["dag_id"] == "shoplake_pipeline"
    assert alert["task_id"] == "load.warehouse_copy"
    assert alert["logical_date"] == "2026-11-02"
    assert alert["try_number"] == 4
    assert alert["error"] == "ValueError: bad row"
    assert alert["log_url"] == "http://127.0.0.1:8080/dags/x"
    assert alert["log_file"] == ("/srv/airflow/logs/dag_id=shoplake_pipeline/run_id=scheduled__2026-11-02/"
                                 "task_id=load.warehouse_copy/attempt=4.log")


def test_failed_notifier_does_not_raise(use_settings, monkeypatch):
    def broken(settings):
        raise OSError("disk full")

    monkeypatch.setattr(alerts, "make_notifier", broken)
    alerts.notify_task_failure(_context())  # must not raise


def _run_context(run_id: str):
    dag_run = SimpleNamespace(dag_id="shoplake_pipeline", run_id=run_id, start_date=None)
    return {"dag_run": dag_run, "logical_date": datetime(2026, 11, 2, tzinfo=UTC)}


def test_overdue_run_alerts(settings_with):
    current = settings_with(pipeline__expected_run_minutes="1")
    marker = alerts.run_marker_file(current, "run-1")
    marker.parent.mkdir(parents=True)
    marker.write_text((datetime.now(UTC) - timedelta(minutes=5)).isoformat())
    result = alerts.check_run_duration(_run_context("run-1"), current)
    assert result["overdue"] is True
    [alert] = FileNotifier(current.data_dir / "alerts.jsonl").read()
    assert alert["kind"] == "run_overdue"
    assert alert["logical_date"] == "2026-11-02"
    assert alert["expected_s"] == 60.0


def test_run_on_time_sends_nothing(settings):
    alerts.mark_run_started(settings, "run-2")
    result = alerts.check_run_duration(_run_context("run-2"), settings)
    assert result["overdue"] is False
    assert FileNotifier(settings.data_dir / "alerts.jsonl").read() == []


def test_run_marker_keeps_first_start(settings):
    alerts.mark_run_started(settings, "manual__2026-11-02T00:00:00+00:00")
    first = alerts.run_started_at(settings, "manual__2026-11-02T00:00:00+00:00")
    alerts.mark_run_started(settings, "manual__2026-11-02T00:00:00+00:00")
    assert alerts.run_started_at(settings, "manual__2026-11-02T00:00:00+00:00") == first
