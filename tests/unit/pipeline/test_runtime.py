"""Running a stage: the date it gets, how its failures are classified, fault injection."""

from __future__ import annotations

import json
import sys
import types
from datetime import UTC, date, datetime

import pytest
from airflow.sdk.exceptions import AirflowFailException

from shoplake.pipeline import runtime
from shoplake.pipeline.errors import TransientError


@pytest.fixture
def fake_stages(monkeypatch):
    """Register a stage module whose `cdc_apply` behaviour each test sets."""
    module = types.ModuleType("unit_fake_stages")
    module.calls = []
    module.behaviour = lambda settings, day: {"rows": 3}

    def cdc_apply(settings, day):
        module.calls.append(day)
        return module.behaviour(settings, day)

    module.cdc_apply = cdc_apply
    monkeypatch.setitem(sys.modules, "unit_fake_stages", module)
    return module


@pytest.fixture
def stage_settings(settings_with, monkeypatch):
    monkeypatch.setattr("shoplake.aws.activate", lambda settings=None: settings)
    return settings_with(pipeline__stage_module="unit_fake_stages")


def test_partition_date_is_utc_date():
    assert runtime.partition_date(datetime(2026, 11, 2, 23, 30, tzinfo=UTC)) == date(2026, 11, 2)
    assert runtime.partition_date("2026-11-02T00:00:00+00:00") == date(2026, 11, 2)
    assert runtime.partition_date(date(2026, 11, 3)) == date(2026, 11, 3)


def test_partition_date_rejects_naive():
    with pytest.raises(ValueError, match="no time zone"):
        runtime.partition_date(datetime(2026, 11, 2))


def test_stage_receives_date_and_returns_counts(fake_stages, stage_settings):
    counts = runtime.run_stage("cdc_apply", datetime(2026, 11, 2, tzinfo=UTC), 1, stage_settings)
    assert counts == {"rows": 3}
    assert fake_stages.calls == [date(2026, 11, 2)]


def test_stage_run_is_recorded(fake_stages, stage_settings):
    runtime.run_stage("cdc_apply", "2026-11-02T00:00:00+00:00", 2, stage_settings)
    entry = json.loads(runtime.stage_log_file(stage_settings).read_text().splitlines()[-1])
    assert entry["stage"] == "cdc_apply"
    assert entry["date"] == "2026-11-02"
    assert entry["try"] == 2
    assert entry["counts"] == {"rows": 3}


def test_transient_failure_is_retryable(fake_stages, stage_settings):
    def fail(settings, day):
        raise ConnectionResetError("reset by peer")

    fake_stages.behaviour = fail
    with pytest.raises(TransientError, match="stage cdc_apply failed for 2026-11-02"):
        runtime.run_stage("cdc_apply", date(2026, 11, 2), 1, stage_settings)


def test_terminal_failure_fails_at_once(fake_stages, stage_settings):
    def fail(settings, day):
        raise ValueError("column price missing")

    fake_stages.behaviour = fail
    with pytest.raises(AirflowFailException) as caught:
        runtime.run_stage("cdc_apply", date(2026, 11, 2), 1, stage_settings)
    assert "column price missing" in str(caught.value)
    assert "terminal" in str(caught.value)


def test_missing_stage_module_fails_with_its_name(settings, monkeypatch):
    monkeypatch.setattr("shoplake.aws.activate", lambda settings=None: settings)
    # None in sys.modules makes the import fail, even when an earlier test imported the module.
    monkeypatch.setitem(sys.modules, "shoplake.adapters", None)
    monkeypatch.setitem(sys.modules, "shoplake.adapters.glue", None)
    with pytest.raises(AirflowFailException) as caught:
        runtime.run_stage("cdc_apply", date(2026, 11, 2), 1, settings)
    assert "shoplake.adapters.glue" in str(caught.value)


def test_fault_before_skips_the_stage(fake_stages, settings_with, tmp_path, monkeypatch):
    monkeypatch.setattr("shoplake.aws.activate", lambda settings=None: settings)
    plan = tmp_path / "faults.json"
    plan.write_text(json.dumps({"cdc_apply": {"error": "transient", "tries": [1]}}))
    current = settings_with(pipeline__stage_module="unit_fake_stages", pipeline__fault_file=str(plan))
    with pytest.raises(TransientError, match="injected transient fault"):
        runtime.run_stage("cdc_apply", date(2026, 11, 2), 1, current)
    assert fake_stages.calls == []
    assert runtime.run_stage("cdc_apply", date(2026, 11, 2), 2, current) == {"rows": 3}


def test_fault_after_runs_the_stage_first(fake_stages, settings_with, tmp_path, monkeypatch):
    monkeypatch.setattr("shoplake.aws.activate", lambda settings=None: settings)
    plan = tmp_path / "faults.json"
    plan.write_text(json.dumps({"cdc_apply": {"error": "terminal", "when": "after"}}))
    current = settings_with(pipeline__stage_module="unit_fake_stages", pipeline__fault_file=str(plan))
    with pytest.raises(AirflowFailException, match="injected terminal fault"):
        runtime.run_stage("cdc_apply", date(2026, 11, 2), 1, current)
    assert fake_stages.calls == [date(2026, 11, 2)]
