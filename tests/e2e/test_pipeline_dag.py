"""The pipeline DAG run end to end with `airflow dags test` on the test stack.

The orchestration tests swap the stages for the small stand-ins in
tests/integration/pipeline/fake_stages.py, which write real objects and rows
to the stack's S3 server and PostgreSQL, so retries, alerts, gates, Data Docs
and backfills are checked without the Spark jobs. They use December dates, so
they never mix with the sample window (from 2026-11-02) of the real stages, and
the real-stage test comes first because the stand-ins rewrite the star tables. The last test runs the real
stages and is skipped while any of them is missing.
"""

from __future__ import annotations

import importlib.util
import json
import os
from datetime import date
from pathlib import Path

import psycopg2
import pytest

pytestmark = pytest.mark.e2e

FAKE_STAGES_DIR = Path(__file__).resolve().parents[1] / "integration" / "pipeline"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
FACTS = ("fact_transactions", "fact_product_sales", "fact_network_traffic", "fact_campaign_interactions")


REAL_STAGE_MODULES = ("services.runner.logs", "services.runner.campaigns", "shoplake.adapters.dms",
                      "shoplake.adapters.glue", "warehouse.load", "powerbi.dashboard")


def _missing_modules() -> list[str]:
    missing = []
    for name in REAL_STAGE_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(name)
    return missing


@pytest.mark.skipif(bool(_missing_modules()), reason=f"stage modules missing: {', '.join(_missing_modules())}")
def test_real_stages_one_day(stack, tmp_path):
    from sample_data.generate import generate_all
    from shoplake.pipeline.airflow_local import run_dag

    day = date(2026, 11, 2)
    generate_all(stack, seed=42, scale=0.05, start=day, days=1, progress=False)
    outcome = run_dag(stack, day, {"SHOPLAKE_ALERTS__TARGET": str(tmp_path / "alerts.jsonl")})
    assert outcome.success, f"see {outcome.log_file}"
    assert _alerts(tmp_path) == []


def _run(settings, day: date, tmp_path: Path, faults: dict | None = None, **env: str):
    from shoplake.pipeline.airflow_local import run_dag

    return run_dag(settings, day, _fake_env(tmp_path, faults, env))


def _backfill(settings, days: list[date], tmp_path: Path, faults: dict | None = None):
    from shoplake.pipeline.airflow_local import run_dag_dates

    return run_dag_dates(settings, days, _fake_env(tmp_path, faults, {}))


def _fake_env(tmp_path: Path, faults: dict | None, env: dict[str, str]) -> dict[str, str]:
    extra = {
        "SHOPLAKE_PIPELINE__STAGE_MODULE": "fake_stages",
        "SHOPLAKE_PIPELINE_RETRY_DELAY_S": "1",
        "SHOPLAKE_ALERTS__TARGET": str(tmp_path / "alerts.jsonl"),
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), str(FAKE_STAGES_DIR)]),
    }
    if faults:
        plan = tmp_path / "faults.json"
        plan.write_text(json.dumps(faults))
        extra["SHOPLAKE_PIPELINE__FAULT_FILE"] = str(plan)
    extra.update(env)
    return extra


def _alerts(tmp_path: Path) -> list[dict]:
    path = tmp_path / "alerts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []


def _fact_snapshot(settings, day: date) -> dict[str, tuple[int, int]]:
    """Return (rows, distinct business keys) per fact table for the day."""
    keys = {"fact_transactions": "payment_id", "fact_product_sales": "order_id::text || '/' || line_no",
            "fact_network_traffic": "session_id", "fact_campaign_interactions": "event_id"}
    date_key = int(day.strftime("%Y%m%d"))
    snapshot = {}
    with psycopg2.connect(settings.warehouse_dsn()) as connection, connection.cursor() as cursor:
        for table in FACTS:
            cursor.execute(f"SELECT count(*), count(DISTINCT {keys[table]}) FROM star.{table} WHERE date_key = %s",
                           (date_key,))
            snapshot[table] = cursor.fetchone()
    connection.close()
    return snapshot


def _stage_tries(settings, stage: str, day: date) -> list[int]:
    from shoplake.pipeline.runtime import stage_log_file

    entries = [json.loads(line) for line in stage_log_file(settings).read_text().splitlines()]
    return [entry["try"] for entry in entries if entry["stage"] == stage and entry["date"] == day.isoformat()]


def test_backfill_retry_and_rerun(stack, tmp_path):
    days = [date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)]
    fault = {"warehouse_copy": {"error": "transient", "when": "after", "tries": [1]}}

    first = _backfill(stack, days, tmp_path, fault)
    assert [outcome.success for outcome in first] == [True, True, True], [str(o.log_file) for o in first]
    for day in days:
        assert _stage_tries(stack, "warehouse_copy", day) == [2]
        assert _fact_snapshot(stack, day) == {table: (6, 6) for table in FACTS}
    assert _alerts(tmp_path) == []

    before = {day: _fact_snapshot(stack, day) for day in days}
    again = _backfill(stack, days, tmp_path)
    assert [outcome.success for outcome in again] == [True, True, True]
    assert {day: _fact_snapshot(stack, day) for day in days} == before


def test_terminal_failure_sends_one_alert(stack, tmp_path):
    day = date(2026, 12, 4)
    outcome = _run(stack, day, tmp_path, {"catalog": {"error": "terminal", "tries": [1]}})
    assert not outcome.success

    alerts = _alerts(tmp_path)
    assert len(alerts) == 1
    assert alerts[0]["task_id"] == "ingest.catalog"
    assert alerts[0]["logical_date"] == "2026-12-04"
    assert alerts[0]["try_number"] == 1
    assert "injected terminal fault" in alerts[0]["error"]
    assert _stage_tries(stack, "staging_quality_gate", day) == []


def test_planted_failure_in_data_docs(stack, tmp_path):
    from shoplake.pipeline.quality import data_docs_dir, data_docs_index

    day = date(2026, 12, 5)
    outcome = _run(stack, day, tmp_path, SHOPLAKE_FAKE_PLANT="duplicate_payment")
    assert not outcome.success

    [alert] = _alerts(tmp_path)
    assert alert["task_id"] == "warehouse_quality_gate"
    assert "fact_transactions" in alert["error"]
    assert "expect_column_values_to_be_unique(payment_id)" in alert["error"]
    assert _stage_tries(stack, "dashboard", day) == []

    assert data_docs_index(stack).is_file()
    pages = [page for page in data_docs_dir(stack).rglob("*.html")
             if "validations" in page.parts and "warehouse-2026-12-05" in str(page)
             and "warehouse_fact_transactions" in str(page)]
    assert pages, "no Data Docs page for the failed fact_transactions validation"
    html = pages[0].read_text()
    assert "payment_id" in html
    assert "Failed" in html or "failed" in html
    assert "Succeeded" in html or "succeeded" in html
