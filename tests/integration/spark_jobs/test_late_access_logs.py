"""A web-log line of day D that Firehose delivers under `dt=D` after clean_conform for D ran.

The next day's run finds the object that D's ledger does not list and rebuilds D's
page_events and sessions partitions from every object staged for D.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.integration.spark_jobs.test_pipeline_jobs import access_record

pytestmark = [pytest.mark.integration, pytest.mark.spark]

DAY = "2026-11-02"
NEXT_DAY = "2026-11-03"


def staged_record(record_id: str, when: str) -> dict:
    return access_record(record_id, when, "/", 1, "page_view") | {"dt": when[:10]}


def page_event_ids(spark, lake, day: str) -> Counter:
    events = spark.read.format("delta").load(lake.uri(lake.curated, "clean/page_events"))
    return Counter(row["record_id"] for row in events.filter(f"dt = '{day}'").collect())


def test_late_line_reconformed_next_day(spark, lake, run_glue_job):
    on_time = [staged_record("r1", f"{DAY}T10:00:00Z"), staged_record("r2", f"{DAY}T23:50:00Z")]
    lake.put_jsonl_gz(lake.staging, f"access_logs/dt={DAY}/shoplake-access-logs-1-{DAY}-23-55-00-a.gz", on_time)
    run_glue_job("clean_conform", DAY)

    # Delivered after midnight: the 23:59 line and a Firehose retry of r1.
    late = [staged_record("r3", f"{DAY}T23:59:30Z"), on_time[0]]
    lake.put_jsonl_gz(lake.staging, f"access_logs/dt={DAY}/shoplake-access-logs-1-{NEXT_DAY}-00-01-00-b.gz", late)
    lake.put_jsonl_gz(lake.staging, f"access_logs/dt={NEXT_DAY}/shoplake-access-logs-1-{NEXT_DAY}-09-00-00-c.gz",
                      [staged_record("r4", f"{NEXT_DAY}T09:00:00Z")])
    report = run_glue_job("clean_conform", NEXT_DAY)

    assert page_event_ids(spark, lake, DAY) == Counter({"r1": 1, "r2": 1, "r3": 1})
    assert page_event_ids(spark, lake, NEXT_DAY) == Counter({"r4": 1})
    assert report["inputs"][f"staging/access_logs/dt={DAY}"] == {
        "rows_in": 4, "rows_out": 3, "quarantined": 0, "duplicates_removed": 1, "superseded": 0, "soft_deleted": 0}
    assert report["inputs"]["staging/access_logs"]["rows_in"] == 1
    assert report["outputs"][f"late_access_log_objects/dt={DAY}"] == 1
    assert report["outputs"][f"late_access_log_records/dt={DAY}"] == 2

    sessions = spark.read.format("delta").load(lake.uri(lake.curated, "clean/sessions")).filter(f"dt = '{DAY}'")
    assert sessions.agg({"page_views": "sum"}).first()[0] == 3

    rerun = run_glue_job("clean_conform", NEXT_DAY)
    assert f"staging/access_logs/dt={DAY}" not in rerun["inputs"]
    assert page_event_ids(spark, lake, DAY) == Counter({"r1": 1, "r2": 1, "r3": 1})


def test_date_never_run_left_alone(spark, lake, run_glue_job):
    lake.put_jsonl_gz(lake.staging, f"access_logs/dt={DAY}/shoplake-access-logs-1-{DAY}-10-00-00-a.gz",
                      [staged_record("r1", f"{DAY}T10:00:00Z")])
    lake.put_jsonl_gz(lake.staging, f"access_logs/dt={NEXT_DAY}/shoplake-access-logs-1-{NEXT_DAY}-09-00-00-c.gz",
                      [staged_record("r4", f"{NEXT_DAY}T09:00:00Z")])
    report = run_glue_job("clean_conform", NEXT_DAY)

    assert f"staging/access_logs/dt={DAY}" not in report["inputs"]
    assert page_event_ids(spark, lake, DAY) == Counter()
