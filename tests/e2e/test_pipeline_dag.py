"""The pipeline DAG run end to end with `airflow dags test` on the test stack.

The real-stage tests come first. One module-scoped run generates a sample day
(seed 42, scale 0.05) and runs the DAG on it with the real stages. Each test
then reconciles one kind of figure with the generator's ground-truth manifest:
what reached the warehouse (schemas `star` and `mart`), the Glue job reports
and the stage log.
Expected values come only from the manifest; its definitions are in
docs/contracts.md, section "Ground-truth manifest". These tests skip while a
stage module is missing.

The orchestration tests after them swap the stages for the small stand-ins in
tests/integration/pipeline/fake_stages.py. The stand-ins write real objects
and rows to the stack's S3 server and PostgreSQL, so retries, alerts, gates,
Data Docs and backfills are checked without the Spark jobs. They use December dates, so
they never mix with the sample window (from 2026-11-02) of the real stages,
and they run last because the stand-ins rewrite the star dimensions.
"""
from __future__ import annotations

import importlib.util
import json
import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg2
import pytest

if TYPE_CHECKING:
    from shoplake.pipeline.airflow_local import DagRunOutcome

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


# NOTE: one day only. A planted late log line from 23:xx UTC sits in the next day's raw hour=00 file,
# which the next day's run ingests after this day's clean_conform, so a multi-day run loses it from
# the earlier day's page views.
REAL_DAY = date(2026, 11, 2)
RUN_DAYS = (REAL_DAY.isoformat(),)
SAMPLE_SEED = 42
SAMPLE_SCALE = 0.05


@dataclass
class RealRun:
    """One DAG run with the real stages over a generated sample day, and the generator's manifest."""

    outcome: DagRunOutcome
    manifest: dict
    alerts_dir: Path


@pytest.fixture(scope="module")
def real_run(stack, tmp_path_factory) -> RealRun:
    """Generate one sample day and run the DAG on it once, so every real-stage test reads the same run."""
    if _missing_modules():
        pytest.skip(f"stage modules missing: {', '.join(_missing_modules())}")
    from sample_data.generate import generate_all
    from shoplake.pipeline.airflow_local import run_dag

    alerts_dir = tmp_path_factory.mktemp("real-stages")
    generate_all(stack, seed=SAMPLE_SEED, scale=SAMPLE_SCALE, start=REAL_DAY, days=1, progress=False)
    outcome = run_dag(stack, REAL_DAY, {"SHOPLAKE_ALERTS__TARGET": str(alerts_dir / "alerts.jsonl")})
    return RealRun(outcome, _stored_manifest(stack), alerts_dir)


@pytest.fixture(scope="module")
def reconciled(stack, real_run) -> RealRun:
    """Return the real run once its warehouse load has finished, whatever the gates and dashboard after it did."""
    loaded = [entry for entry in _stage_runs(stack)
              if entry["stage"] == "warehouse_copy" and entry["date"] == REAL_DAY.isoformat()]
    assert loaded, f"the real-stage run never finished its warehouse load; see {real_run.outcome.log_file}"

    # Window totals (orders, campaign funnels, duplicates) compare with warehouse totals only when the run covers it.
    window = real_run.manifest["window"]["dates"]
    assert window == list(RUN_DAYS), f"the manifest's window {window} is not the dates the DAG ran, {list(RUN_DAYS)}"
    return real_run


def test_real_stages_one_day(real_run):
    alerts = _alerts(real_run.alerts_dir)
    errors = [alert.get("error") for alert in alerts]

    assert real_run.outcome.success, f"the DAG run failed: {errors}; see {real_run.outcome.log_file}"
    assert alerts == []


def test_real_stages_customers(stack, reconciled):
    expected = reconciled.manifest["expected"]
    report = _job_report(stack, "clean_conform", REAL_DAY.isoformat())["inputs"]["cdc/customers"]
    dim_rows = _warehouse_value(stack, "SELECT count(*) FROM star.dim_customer WHERE customer_key <> -1")
    mart_rows = _warehouse_value(stack, "SELECT count(*) FROM mart.customer_behaviour")

    assert report["rows_in"] == expected["distinct_customers"], (
        f"customers replicated from shop.customers: manifest distinct_customers {expected['distinct_customers']}, "
        f"clean_conform read {report['rows_in']}")
    assert dim_rows == expected["distinct_customer_emails"], (
        f"distinct customers by e-mail: manifest distinct_customer_emails {expected['distinct_customer_emails']}, "
        f"star.dim_customer {dim_rows}")
    assert mart_rows == expected["distinct_customer_emails"], (
        f"distinct customers by e-mail: manifest distinct_customer_emails {expected['distinct_customer_emails']}, "
        f"mart.customer_behaviour {mart_rows}")


def test_real_stages_orders(stack, reconciled):
    expected = reconciled.manifest["expected"]["orders"]
    orders = _warehouse_value(stack, "SELECT count(DISTINCT order_id) FROM star.fact_product_sales")

    assert orders == expected, f"orders: manifest {expected}, star.fact_product_sales distinct order_id {orders}"


def test_real_stages_revenue_per_day(stack, reconciled):
    expected = _run_day_figures(reconciled.manifest["expected"]["revenue_per_day"], "revenue")
    rows = _warehouse_rows(stack, """
        SELECT d.calendar_date, t.currency,
               SUM(CASE t.payment_status WHEN 'CAPTURED' THEN t.amount WHEN 'REFUNDED' THEN -t.amount ELSE 0 END),
               SUM(CASE t.payment_status WHEN 'CAPTURED' THEN t.amount_usd WHEN 'REFUNDED' THEN -t.amount_usd ELSE 0 END)
        FROM star.fact_transactions AS t JOIN star.dim_date AS d ON d.date_key = t.date_key
        WHERE t.payment_status IN ('CAPTURED', 'REFUNDED')
        GROUP BY d.calendar_date, t.currency""")
    by_currency: dict[str, dict[str, Decimal]] = defaultdict(dict)
    usd: dict[str, Decimal] = defaultdict(Decimal)
    for day, currency, amount, amount_usd in rows:
        by_currency[day.isoformat()][currency] = amount
        usd[day.isoformat()] += amount_usd

    for day, figures in expected.items():
        assert usd[day] == Decimal(figures["usd"]), (
            f"revenue {day} in USD: manifest {figures['usd']}, star.fact_transactions {usd[day]}")
        assert sorted(by_currency[day]) == sorted(figures["by_currency"]), (
            f"revenue {day} currencies: manifest {sorted(figures['by_currency'])}, "
            f"star.fact_transactions {sorted(by_currency[day])}")
        for currency, amount in figures["by_currency"].items():
            stored = by_currency[day].get(currency)
            assert stored == Decimal(amount), (
                f"revenue {day} in {currency}: manifest {amount}, star.fact_transactions {stored}")


def test_real_stages_traffic_per_day(stack, reconciled):
    expected = reconciled.manifest["expected"]
    rows = _warehouse_rows(stack, """
        SELECT calendar_date, SUM(page_views), SUM(click_events)
        FROM mart.traffic_usage WHERE NOT is_bot GROUP BY calendar_date""")
    stored = {day.isoformat(): (page_views, clicks) for day, page_views, clicks in rows}

    for day, page_views in _run_day_figures(expected["page_views_per_day"], "page views").items():
        found = stored.get(day, (0, 0))[0]
        assert found == page_views, f"page views {day}: manifest {page_views}, mart.traffic_usage {found}"
    for day, clicks in _run_day_figures(expected["click_events_per_day"], "click events").items():
        found = stored.get(day, (0, 0))[1]
        assert found == clicks, f"click events {day}: manifest {clicks}, mart.traffic_usage {found}"


def test_real_stages_campaign_funnel(stack, reconciled):
    expected = reconciled.manifest["expected"]["campaigns"]
    rows = _warehouse_rows(stack, "SELECT campaign_id, sent, opens, clicks FROM mart.campaign_effectiveness")
    stored = {campaign: {"sent": sent, "opens": opens, "click_throughs": clicks} for campaign, sent, opens, clicks in rows}

    assert sorted(stored) == sorted(expected), (
        f"campaigns: manifest {sorted(expected)}, mart.campaign_effectiveness {sorted(stored)}")
    for campaign, figures in expected.items():
        for figure in ("sent", "opens", "click_throughs"):
            found = stored[campaign][figure]
            assert found == figures[figure], (
                f"campaign {campaign} {figure}: manifest {figures[figure]}, mart.campaign_effectiveness {found}")


def test_real_stages_campaign_duplicates(stack, reconciled):
    planted = reconciled.manifest["campaign_events"]["planted"]["duplicate_delivery"]
    by_lambda = sum(entry["counts"]["duplicates"] for entry in _stage_runs(stack)
                    if entry["stage"] == "campaign_events" and entry["date"] in RUN_DAYS)
    by_clean = sum(_job_report(stack, "clean_conform", day)["inputs"]["staging/campaign_events"]["duplicates_removed"]
                   for day in RUN_DAYS)

    assert by_lambda + by_clean == planted, (
        f"campaign duplicate deliveries: manifest planted {planted}, removed {by_lambda + by_clean} "
        f"({by_lambda} by the campaign Lambda, {by_clean} by clean_conform)")


def test_real_stages_customer_duplicates(stack, reconciled):
    planted = reconciled.manifest["source_db"]["planted"]["near_duplicate_customer"]
    merged = _job_report(stack, "clean_conform", REAL_DAY.isoformat())["inputs"]["cdc/customers"]["duplicates_removed"]

    assert merged == planted, f"near-duplicate customers: manifest planted {planted}, clean_conform merged {merged}"


def test_real_stages_catalog_duplicates(stack, reconciled):
    catalog = reconciled.manifest["catalog"]["planted"]
    planted = catalog["exact_duplicate_row"] + catalog["near_duplicate_row"]
    removed = _job_report(stack, "clean_conform", REAL_DAY.isoformat())["inputs"]["staging/catalog"]["duplicates_removed"]

    assert removed == planted, (
        f"duplicate catalog rows: manifest planted {planted} (exact and near), clean_conform removed {removed}")


def _stored_manifest(settings) -> dict:
    import boto3

    key = f"_manifest/seed={SAMPLE_SEED}/scale={SAMPLE_SCALE}/manifest.json"
    body = boto3.client("s3").get_object(Bucket=settings.buckets.raw, Key=key)["Body"].read()
    return json.loads(body)


def _job_report(settings, job: str, day: str) -> dict:
    import boto3

    key = f"_reports/{job}/dt={day}/report.json"
    return json.loads(boto3.client("s3").get_object(Bucket=settings.buckets.curated, Key=key)["Body"].read())


def _stage_runs(settings) -> list[dict]:
    from shoplake.pipeline.runtime import stage_log_file

    return [json.loads(line) for line in stage_log_file(settings).read_text().splitlines()]


def _run_day_figures(per_day: dict, figure: str) -> dict:
    """Return the manifest's per-day `figure` for each date the DAG ran, and fail when a date has none."""
    missing = [day for day in RUN_DAYS if day not in per_day]
    assert not missing, f"{figure}: the manifest has no value for {missing}"
    return {day: per_day[day] for day in RUN_DAYS}


def _warehouse_rows(settings, sql: str) -> list[tuple]:
    with psycopg2.connect(settings.warehouse_dsn()) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    connection.close()
    return rows


def _warehouse_value(settings, sql: str):
    [[value]] = _warehouse_rows(settings, sql)
    return value


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
