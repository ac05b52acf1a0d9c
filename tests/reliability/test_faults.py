"""Fault injection: break one component at a time, recover, and end with the clean run's warehouse.

The tests run in file order on one private stack (`faulted_stack`), because each
fault is injected into the stage that the pipeline runs at that point. Ingest
faults come first, and each resets the stage's staged output and replays the
day. Source-database faults during CDC follow, then a Spark job and the
warehouse load.
Every ingest test checks that the staged ids equal the clean run's. The last
two tests check the warehouse after all faults, and again after three more
re-runs of the date. It must equal the clean run's (checksums of every star
table), and every recorded stage run's counts must balance.

SHOPLAKE_RELIABILITY_SEED picks the random kill points (default 11);
SHOPLAKE_RELIABILITY_RERUNS the number of re-runs (default 3).
"""

from __future__ import annotations

import gzip
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from bench._common import PIPELINE_STAGES, ROOT, run_pipeline_day, run_stage_process, star_checksums
from tests.reliability.conftest import assert_counts_balance, stage_runs
from tests.reliability.faults import (
    DAY,
    SourceChurn,
    access_log_ids,
    campaign_event_ids,
    delete_prefix,
    forget_processed_objects,
    kill_server,
    kill_stage_child,
    log_checkpoint,
    replication_slot_active,
    restart_stack,
    staged_records,
    start_stage_child,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.spark, pytest.mark.timeout(7200)]

RANDOM = random.Random(int(os.environ.get("SHOPLAKE_RELIABILITY_SEED", "11")))
RERUNS = int(os.environ.get("SHOPLAKE_RELIABILITY_RERUNS", "3"))
SPARK_STAGES = ("cdc_apply", "clean_conform", "customer_360", "star_schema")
CDC_BACKLOG_TRANSACTIONS = 12000  # large enough that replaying it takes seconds, so a kill lands mid-stream
DAY_TEXT = DAY.isoformat()


def run_stage(settings, stage: str) -> dict:
    stage_run = run_stage_process(settings, stage, DAY_TEXT)
    assert stage_run.returncode == 0, f"{stage} failed after recovery:\n{stage_run.output[-3000:]}"
    return stage_run.counts


def replay_access_logs(settings) -> None:
    """Forget the day's processed raw objects and staged records, as before a first run."""
    delete_prefix(settings, settings.buckets.staging, f"access_logs/dt={DAY_TEXT}/")
    forget_processed_objects(settings)


def processed_objects(settings) -> int:
    return sum(f"dt={DAY_TEXT}/" in key for key in log_checkpoint(settings))


def start_access_logs_midway(settings, name: str):
    """Start the access_logs stage and return it once it has processed a random number (4-20) of raw objects."""
    target = RANDOM.randint(4, 20)
    runner = start_stage_child(settings, "access_logs", name)
    wait_for(lambda: processed_objects(settings) >= target, 300, f"the runner to process {target} objects")
    return runner


def assert_access_logs_match(settings, clean_run) -> None:
    staged = access_log_ids(settings)
    assert set(staged) - clean_run.access_log_ids == set(), "records staged that the clean run did not stage"
    assert clean_run.access_log_ids - set(staged) == set(), "records lost"


def test_kill_9_event_runner_mid_day(faulted_stack, clean_run):
    runner = start_access_logs_midway(faulted_stack, "kill-runner")
    kill_stage_child(runner)

    counts = run_stage(faulted_stack, "access_logs")

    assert counts["objects_skipped"] >= 4
    assert_access_logs_match(faulted_stack, clean_run)


def test_kill_9_firehose_service_mid_delivery(faulted_stack, clean_run):
    replay_access_logs(faulted_stack)
    runner = start_access_logs_midway(faulted_stack, "kill-firehose")
    kill_server(faulted_stack, "firehose")
    restart_stack(faulted_stack)
    runner.wait(timeout=600)

    run_stage(faulted_stack, "access_logs")

    assert_access_logs_match(faulted_stack, clean_run)


def test_kill_9_s3_server_mid_day(faulted_stack, clean_run):
    replay_access_logs(faulted_stack)
    runner = start_access_logs_midway(faulted_stack, "kill-s3")
    kill_server(faulted_stack, "s3")
    time.sleep(RANDOM.uniform(0.0, 2.0))
    restart_stack(faulted_stack)
    runner.wait(timeout=600)

    run_stage(faulted_stack, "access_logs")

    assert_access_logs_match(faulted_stack, clean_run)


def test_corrupt_raw_object_is_rejected_then_replaced(faulted_stack, clean_run):
    from shoplake import aws

    s3 = aws.client("s3", faulted_stack)
    keys = sorted(key for key in log_checkpoint(faulted_stack) if f"dt={DAY_TEXT}/" in key)
    key = RANDOM.choice(keys)
    original = s3.get_object(Bucket=faulted_stack.buckets.raw, Key=key)["Body"].read()
    assert gzip.decompress(original)
    s3.put_object(Bucket=faulted_stack.buckets.raw, Key=key, Body=original[: len(original) // 2])

    corrupt_run = run_stage_process(faulted_stack, "access_logs", DAY_TEXT)
    quarantine = staged_records(faulted_stack, "log_processor/", faulted_stack.buckets.quarantine)
    quarantined = [record for record in quarantine if key in str(record.get("source"))]
    s3.put_object(Bucket=faulted_stack.buckets.raw, Key=key, Body=original)
    run_stage(faulted_stack, "access_logs")

    failed_naming_the_object = corrupt_run.returncode != 0 and key in corrupt_run.output
    assert failed_naming_the_object or quarantined, "a truncated gzip object was neither rejected nor quarantined"
    assert_access_logs_match(faulted_stack, clean_run)


def test_deliver_access_log_records_twice(faulted_stack, clean_run):
    before = access_log_ids(faulted_stack)
    forget_processed_objects(faulted_stack)

    run_stage(faulted_stack, "access_logs")
    after = access_log_ids(faulted_stack)

    assert all(after[record_id] >= before[record_id] + 1 for record_id in clean_run.access_log_ids)
    assert_access_logs_match(faulted_stack, clean_run)


def start_campaign_runner(settings, batch_size: int) -> subprocess.Popen:
    """Start `shoplake lambda run campaign-processor` (the local event source mapping) in a child process."""
    command = [sys.executable, "-c", "from shoplake.cli import run; run()", "lambda", "run", "campaign-processor",
               "--batch-size", str(batch_size)]
    return subprocess.Popen(command, cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def test_kill_9_campaign_runner_mid_drain(faulted_stack, clean_run):
    checkpoints = faulted_stack.data_dir / "runner" / "campaign_processor.json"
    runner = start_campaign_runner(faulted_stack, batch_size=5)
    wait_for(checkpoints.exists, 120, "the campaign runner to checkpoint its first batch")
    time.sleep(RANDOM.uniform(0.0, 0.3))
    kill_stage_child(runner)
    staged_before_restart = campaign_event_ids(faulted_stack)

    counts = run_stage(faulted_stack, "campaign_events")

    assert 0 < len(staged_before_restart) < len(clean_run.campaign_event_ids)
    assert counts["records_read"] > 0
    assert set(campaign_event_ids(faulted_stack)) == clean_run.campaign_event_ids


def original_events(settings) -> list[dict]:
    """Return each staged campaign event once, as the producer sent it (without the Kinesis fields)."""
    fields = ("event_id", "campaign_id", "customer_id", "event_type", "channel", "ts")
    unique = {record["event_id"]: {name: record[name] for name in fields} for record in
              staged_records(settings, "campaign_events/")}
    return list(unique.values())


def test_deliver_campaign_events_twice(faulted_stack, clean_run):
    from services.runner.producer import put_events
    from shoplake import aws

    events = original_events(faulted_stack)
    put_events(aws.client("kinesis", faulted_stack), faulted_stack.campaign_stream, events)

    counts = run_stage(faulted_stack, "campaign_events")

    assert counts["records_read"] == len(events)
    assert counts["duplicates"] + counts["staged"] == len(events)
    assert set(campaign_event_ids(faulted_stack)) == clean_run.campaign_event_ids


def test_kill_9_kinesis_server_loses_unconsumed_records(faulted_stack, clean_run):
    """moto keeps streams in memory: records not yet consumed when it dies are gone, so the producer re-publishes.

    Amazon Kinesis keeps records for the stream's retention period (24 hours by default). The local
    stand-in loses them when its process dies, and this test makes that loss visible.
    """
    from services.runner.producer import put_events
    from shoplake import aws

    events = RANDOM.sample(original_events(faulted_stack), 50)
    put_events(aws.client("kinesis", faulted_stack), faulted_stack.campaign_stream, events)
    copies_before = campaign_event_ids(faulted_stack)
    kill_server(faulted_stack, "kinesis")
    restart_stack(faulted_stack)

    after_restart = run_stage(faulted_stack, "campaign_events")
    put_events(aws.client("kinesis", faulted_stack), faulted_stack.campaign_stream, events)
    after_republish = run_stage(faulted_stack, "campaign_events")
    copies_after = campaign_event_ids(faulted_stack)

    assert after_restart["records_read"] == 0, "records put before the kill survived the restart"
    assert after_republish["records_read"] == len(events)
    assert set(copies_after) == clean_run.campaign_event_ids
    assert sum(copies_after.values()) - sum(copies_before.values()) <= len(events)


def start_replicator_behind(settings, churn: SourceChurn, name: str):
    """Let the churn build a backlog, start the source_db stage, and return it a random 0.05-0.3 s into streaming."""
    churn.wait_for_backlog(CDC_BACKLOG_TRANSACTIONS)
    replicator = start_stage_child(settings, "source_db", name)
    wait_for(lambda: replicator.poll() is not None or replication_slot_active(settings), 300,
             "the replicator to start streaming")
    time.sleep(RANDOM.uniform(0.05, 0.3))
    return replicator


def test_kill_9_replicator_during_cdc(faulted_stack):
    with SourceChurn(faulted_stack, transactions=CDC_BACKLOG_TRANSACTIONS + 4000) as churn:
        replicator = start_replicator_behind(faulted_stack, churn, "kill-replicator")
        kill_stage_child(replicator)

    counts = run_stage(faulted_stack, "source_db")

    assert churn.error is None
    assert churn.committed > CDC_BACKLOG_TRANSACTIONS
    assert counts["tables"]["shop.orders"]["cdc_rows"] > 0


def test_restart_postgresql_during_cdc(faulted_stack):
    with SourceChurn(faulted_stack, transactions=CDC_BACKLOG_TRANSACTIONS + 4000) as churn:
        replicator = start_replicator_behind(faulted_stack, churn, "restart-postgres")
        assert replicator.poll() is None, "the replicator finished before the restart; the fault was not injected"
        kill_server(faulted_stack, "postgres", signal.SIGINT)
        restart_stack(faulted_stack)
    replicator.wait(timeout=600)

    counts = run_stage(faulted_stack, "source_db")

    assert churn.committed > CDC_BACKLOG_TRANSACTIONS
    assert churn.error is not None, "the churn's connection survived a PostgreSQL restart"
    assert "shop.orders" in counts["tables"]


def test_kill_9_spark_job_mid_run(faulted_stack, clean_run):
    victim = RANDOM.choice(SPARK_STAGES)
    print(f"killing Glue job stage {victim}")
    run_stage(faulted_stack, "catalog")
    for stage in SPARK_STAGES:
        if stage == victim:
            job = start_stage_child(faulted_stack, stage, f"kill-{stage}")
            time.sleep(RANDOM.uniform(0.15, 0.6) * clean_run.stage_seconds[stage])
            kill_stage_child(job)
        run_stage(faulted_stack, stage)


def test_kill_9_warehouse_load_mid_run(faulted_stack, clean_run):
    run_stage(faulted_stack, "warehouse_schema")
    loader = start_stage_child(faulted_stack, "warehouse_copy", "kill-warehouse-load")
    time.sleep(RANDOM.uniform(0.1, 0.6) * clean_run.stage_seconds["warehouse_copy"])
    kill_stage_child(loader)

    counts = run_stage(faulted_stack, "warehouse_copy")

    assert counts


def test_faulted_run_warehouse_equals_clean_run(faulted_stack, clean_run):
    faulted = star_checksums(faulted_stack)
    for table, expected in clean_run.checksums.items():
        assert faulted[table] == expected, f"star.{table} (rows, md5) differs from the clean run's"
    assert set(access_log_ids(faulted_stack)) == clean_run.access_log_ids
    assert set(campaign_event_ids(faulted_stack)) == clean_run.campaign_event_ids
    assert_counts_balance(faulted_stack)


def test_rerun_date_three_times(faulted_stack, clean_run):
    recorded_before = len(stage_runs(faulted_stack))

    for _ in range(RERUNS):
        run_pipeline_day(faulted_stack, DAY_TEXT)
        assert star_checksums(faulted_stack) == clean_run.checksums

    assert len(stage_runs(faulted_stack)) == recorded_before + RERUNS * len(PIPELINE_STAGES)
    assert_counts_balance(faulted_stack)
