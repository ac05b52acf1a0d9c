"""One day of access logs and campaign events through handlers, Firehose service and runner into staging."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.integration.services.conftest import put_day, read_records
from tests.integration.services.daylogs import access_log_day, campaign_events

pytestmark = pytest.mark.integration


def test_log_day_reaches_staging(stack, s3):
    from services.runner.logs import run_log_processor

    day = access_log_day("2031-01-05", lines_per_hour=40, bad_every=13)
    put_day(s3, stack.buckets.raw, day.objects)

    result = run_log_processor(stack, "2031-01-05")
    records = read_records(s3, stack.buckets.staging, "access_logs/dt=2031-01-05/")

    assert result["objects"] == 48
    assert result["records_sent"] == day.good_lines
    assert result["quarantine_reasons"] == {"unparseable_line": day.bad_lines}
    assert result["lines_read"] == result["records_sent"] + result["quarantined"] + result["dead_lettered"]
    assert len({record["record_id"] for record in records}) == day.good_lines
    assert {record["dt"] for record in records} == {"2031-01-05"}


def test_processed_objects_are_skipped(stack, s3):
    from services.runner.logs import run_log_processor

    day = access_log_day("2031-01-06", lines_per_hour=5)
    put_day(s3, stack.buckets.raw, day.objects)

    first = run_log_processor(stack, "2031-01-06")
    second = run_log_processor(stack, "2031-01-06")

    assert first["objects"] == 48
    assert second["objects"] == 0
    assert second["objects_skipped"] == 48


def test_campaign_events_reach_staging(stack, s3):
    from services.runner.campaigns import run_campaign_processor
    from services.runner.producer import put_events
    from shoplake import aws

    events, invalid = campaign_events("2031-01-07", 600)
    duplicates = events[:25]
    put_events(aws.client("kinesis", stack), stack.campaign_stream, events + duplicates)

    result = run_campaign_processor(stack)
    staged = read_records(s3, stack.buckets.staging, "campaign_events/dt=2031-01-07/")
    quarantine = [record for record in read_records(s3, stack.buckets.quarantine, "campaign_processor/")
                  if record["reason"] == "invalid_event" and '"2031-01-07' in _raw(record)]

    assert result["records_read"] >= len(events) + len(duplicates)
    assert len({record["event_id"] for record in staged}) == len(events) - invalid
    assert len(quarantine) == invalid
    assert result["records_to_on_failure_destination"] == 0


def _raw(record: dict) -> str:
    import base64

    return base64.b64decode(record["raw_b64"]).decode(errors="replace")


@pytest.mark.e2e
def test_generated_day_matches_manifest(stack, s3):
    """The generator's day: staged records equal its manifest minus what the handlers quarantine."""
    from sample_data.generate import generate_all
    from services.runner.campaigns import run_campaign_processor
    from services.runner.logs import run_log_processor

    manifest = generate_all(stack, seed=7, scale=0.02, start=date(2031, 3, 2), days=1, progress=False)
    logs = run_log_processor(stack, "2031-03-02")
    campaigns = run_campaign_processor(stack)

    planted_logs = manifest["access_logs"]["planted"]
    staged_logs = read_records(s3, stack.buckets.staging, "access_logs/dt=2031-03-0")
    staged_ids = {record["record_id"] for record in staged_logs if record["source_key"].find("dt=2031-03-02/") > 0}
    assert logs["lines_read"] == manifest["access_logs"]["lines"]
    assert logs["quarantine_reasons"] == {"truncated_line": planted_logs["cut_last_line"]}
    assert len(staged_ids) == manifest["access_logs"]["lines"] - planted_logs["cut_last_line"]
    assert logs["truncated"] == planted_logs["oversized_line"]

    planted_events = manifest["campaign_events"]["planted"]
    invalid_here = planted_events["missing_customer_id"] + planted_events["malformed_json"]
    staged_events = read_records(s3, stack.buckets.staging, "campaign_events/dt=2031-03-0")
    assert campaigns["records_to_on_failure_destination"] == 0
    assert len({record["event_id"] for record in staged_events}) == manifest["campaign_events"]["interactions"] \
        - invalid_here
    print(json.dumps({"logs": logs, "campaigns": campaigns}))
