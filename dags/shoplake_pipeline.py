"""The shoplake pipeline: one run per UTC day, from the four sources to the dashboard.

ingest (access logs, campaign events, source DB, catalog, in parallel)
-> staging quality gate -> transform (cdc_apply, clean_conform, customer_360)
-> model (star_schema) -> load (warehouse schema, warehouse copy) -> warehouse
quality gate -> publish (dashboard, Data Docs), then a teardown task that
alerts when the run took longer than expected.

A scheduled run for day D starts after D ends (its data interval is
[D 00:00, D+1 00:00) UTC, its logical date D) and writes only partition
`dt=D`, so clearing and re-running a date is safe. The tasks call
`shoplake.pipeline`, which imports each stage when the task runs: parsing this
file imports nothing heavy and does no I/O. The stages go through
`shoplake.adapters`, so this file is the same on every profile.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import pendulum
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, CronDataIntervalTimetable, TaskGroup

DAG_ID = "shoplake_pipeline"
OWNER = "shoplake-data"
START_DATE = pendulum.datetime(2026, 11, 2, tz="UTC")
RETRIES = 3
# Tests shorten the first retry delay through the environment; reading it is no I/O.
RETRY_DELAY = timedelta(seconds=float(os.environ.get("SHOPLAKE_PIPELINE_RETRY_DELAY_S", "30")))
MAX_RETRY_DELAY = timedelta(minutes=10)
STAGE_TIMEOUT = timedelta(hours=1)


def _run(kind: str, name: str, logical_date: datetime, ti) -> dict:
    from shoplake.pipeline.runtime import run_airflow_task

    return run_airflow_task(kind, name, logical_date, ti)


def _check_run_duration(**context) -> dict:
    from shoplake.pipeline.alerts import check_run_duration

    return check_run_duration(context)


def _notify_task_failure(context) -> None:
    from shoplake.pipeline.alerts import notify_task_failure

    notify_task_failure(context)


def stage(stage_name: str) -> PythonOperator:
    return PythonOperator(task_id=stage_name, python_callable=_run, op_kwargs={"kind": "stage", "name": stage_name})


def gate(gate_name: str) -> PythonOperator:
    return PythonOperator(task_id=f"{gate_name}_quality_gate", python_callable=_run,
                          op_kwargs={"kind": "gate", "name": gate_name})


default_args = {
    "owner": OWNER,
    "retries": RETRIES,
    "retry_delay": RETRY_DELAY,
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": MAX_RETRY_DELAY,
    "execution_timeout": STAGE_TIMEOUT,
    "on_failure_callback": _notify_task_failure,
}

with DAG(
    dag_id=DAG_ID,
    description="Ingest, check, transform, model, load, check and publish one UTC day of shop data.",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=True,
    max_active_runs=1,
    default_args=default_args,
    tags=["shoplake"],
    doc_md=__doc__,
) as dag:
    with TaskGroup("ingest", tooltip="the four sources, in parallel") as ingest:
        for source in ("access_logs", "campaign_events", "source_db", "catalog"):
            stage(source)

    staging_gate = gate("staging")

    with TaskGroup("transform") as transform:
        stage("cdc_apply") >> stage("clean_conform") >> stage("customer_360")

    with TaskGroup("model") as model:
        stage("star_schema")

    with TaskGroup("load") as load:
        stage("warehouse_schema") >> stage("warehouse_copy")

    warehouse_gate = gate("warehouse")

    with TaskGroup("publish") as publish:
        stage("dashboard")
        PythonOperator(task_id="data_docs", python_callable=_run, op_kwargs={"kind": "data_docs", "name": "data_docs"})

    run_duration = PythonOperator(task_id="check_run_duration", python_callable=_check_run_duration,
                                  retries=0, on_failure_callback=None)

    ingest >> staging_gate >> transform >> model >> load >> warehouse_gate >> publish
    publish >> run_duration.as_teardown()
