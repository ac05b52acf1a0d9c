"""The pipeline DAG parses, has the documented shape, and every task retries and has an owner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

DAGS_FOLDER = Path(__file__).resolve().parents[3] / "dags"
HEAVY_MODULES = ("great_expectations", "pyspark", "pandas", "pyarrow", "boto3", "psycopg2", "shoplake.pipeline.quality")


@pytest.fixture(scope="module")
def dag(tmp_path_factory):
    home = tmp_path_factory.mktemp("airflow")
    os.environ.setdefault("AIRFLOW_HOME", str(home))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS_FOLDER)
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    assert bag.import_errors == {}
    return bag.dags["shoplake_pipeline"]


def test_dag_loads(dag):
    assert dag is not None


def test_dag_schedule_is_daily_utc(dag):
    assert dag.timetable.expression == "0 0 * * *"
    assert str(dag.timetable.timezone) == "UTC"
    assert dag.start_date.isoformat() == "2026-11-02T00:00:00+00:00"
    assert dag.catchup is True
    assert dag.max_active_runs == 1


def test_dag_has_no_cycles(dag):
    dag.check_cycle()  # raises AirflowDagCycleException on a cycle


def test_every_task_retries_with_backoff(dag):
    for task in dag.tasks:
        if task.task_id == "check_run_duration":
            assert task.retries == 0
            continue
        assert task.retries == 3, task.task_id
        assert task.retry_exponential_backoff, task.task_id
        assert task.max_retry_delay == timedelta(minutes=10), task.task_id
        assert task.execution_timeout == timedelta(hours=1), task.task_id
        assert task.on_failure_callback, task.task_id


def test_every_task_has_owner(dag):
    assert {task.owner for task in dag.tasks} == {"shoplake-data"}


def test_ingest_runs_four_sources_in_parallel(dag):
    ingest = {"ingest.access_logs", "ingest.campaign_events", "ingest.source_db", "ingest.catalog"}
    for task_id in ingest:
        assert dag.get_task(task_id).upstream_task_ids == set()
        assert dag.get_task(task_id).downstream_task_ids == {"staging_quality_gate"}


def test_task_order_follows_stages(dag):
    chain = ["staging_quality_gate", "transform.cdc_apply", "transform.clean_conform", "transform.customer_360",
             "model.star_schema", "load.warehouse_schema", "load.warehouse_copy", "warehouse_quality_gate"]
    for upstream, downstream in zip(chain, chain[1:], strict=False):
        assert downstream in dag.get_task(upstream).downstream_task_ids, (upstream, downstream)
    publish = dag.get_task("warehouse_quality_gate").downstream_task_ids
    assert publish == {"publish.dashboard", "publish.data_docs"}


def test_duration_check_is_teardown(dag):
    check = dag.get_task("check_run_duration")
    assert check.is_teardown
    assert check.upstream_task_ids == {"publish.dashboard", "publish.data_docs"}


def test_dag_file_imports_nothing_heavy(tmp_path):
    script = (
        "import json, sys, runpy\n"
        f"runpy.run_path({str(DAGS_FOLDER / 'shoplake_pipeline.py')!r})\n"
        f"print(json.dumps([name for name in {HEAVY_MODULES!r} if name in sys.modules]))\n"
    )
    env = dict(os.environ, AIRFLOW_HOME=str(tmp_path), AIRFLOW__CORE__LOAD_EXAMPLES="False")
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
