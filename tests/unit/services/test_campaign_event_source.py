"""The local event source mapping: partial-failure retry, bisection, retry limit and on-failure destination."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from services.runner.campaigns import CampaignEventSource, MappingSettings
from tests.unit.services.conftest import QUARANTINE, quarantined

STREAM = "campaign-test"


class Settings:
    """The settings fields the event source reads."""

    def __init__(self, data_dir: Path) -> None:
        self.campaign_stream = STREAM
        self.region = "us-east-1"
        self.data_dir = data_dir
        self.buckets = type("Buckets", (), {"quarantine": QUARANTINE})()


@pytest.fixture
def kinesis(aws_env) -> Any:
    client = boto3.client("kinesis")
    client.create_stream(StreamName=STREAM, ShardCount=1)
    return client


def put(kinesis, count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        kinesis.put_record(StreamName=STREAM, Data=json.dumps({"n": number}).encode(), PartitionKey="p")


def numbers(event: dict) -> list[int]:
    import base64

    return [json.loads(base64.b64decode(record["kinesis"]["data"]))["n"] for record in event["Records"]]


def source(tmp_path, kinesis, s3, handler, **mapping) -> CampaignEventSource:
    options = MappingSettings(**{"batch_size": 10, "retry_delay_s": 0.0, **mapping})
    return CampaignEventSource(Settings(tmp_path), handler, options, kinesis, s3, sleep=lambda seconds: None)


def test_partial_failure_retries_from_lowest_failed(tmp_path, kinesis, s3):
    put(kinesis, 5)
    calls: list[list[int]] = []

    def handler(event, context):
        calls.append(numbers(event))
        if len(calls) == 1:
            failed = event["Records"][2]["kinesis"]["sequenceNumber"]
            return {"batchItemFailures": [{"itemIdentifier": failed}]}
        return {"batchItemFailures": []}

    counts = source(tmp_path, kinesis, s3, handler).run()

    assert calls == [[0, 1, 2, 3, 4], [2, 3, 4]]
    assert counts["partial_failures"] == 1


def test_function_error_bisects_batch(tmp_path, kinesis, s3):
    put(kinesis, 4)
    calls: list[list[int]] = []

    def handler(event, context):
        calls.append(numbers(event))
        if 3 in numbers(event) and len(event["Records"]) > 1:
            raise RuntimeError("poison record in batch")
        return {"batchItemFailures": []}

    counts = source(tmp_path, kinesis, s3, handler).run()

    assert calls == [[0, 1, 2, 3], [0, 1], [2, 3], [2], [3]]
    assert counts["function_errors"] == 2


def test_exhausted_retries_go_to_on_failure_destination(tmp_path, kinesis, s3):
    put(kinesis, 3)

    def handler(event, context):
        raise RuntimeError("always fails")

    counts = source(tmp_path, kinesis, s3, handler, maximum_retry_attempts=2,
                    bisect_batch_on_function_error=False).run()
    entries = quarantined(s3, "campaign_esm_on_failure/")

    assert counts["invocations"] == 3
    assert counts["records_to_on_failure_destination"] == 3
    assert [entry["reason"] for entry in entries] == ["retries_exhausted"] * 3
    assert json.loads(entries[0]["detail"])["KinesisBatchInfo"]["batchSize"] == 3


def test_expired_records_skip_handler(tmp_path, kinesis, s3, monkeypatch):
    put(kinesis, 2)
    calls: list[list[int]] = []
    later = datetime.now(UTC) + timedelta(hours=2)
    monkeypatch.setattr("services.runner.campaigns.datetime", type("Clock", (), {"now": staticmethod(lambda tz: later)}))

    def handler(event, context):
        calls.append(numbers(event))
        return {"batchItemFailures": []}

    counts = source(tmp_path, kinesis, s3, handler, maximum_record_age_s=3600).run()

    assert calls == []
    assert counts["records_to_on_failure_destination"] == 2


def test_checkpoint_survives_restart(tmp_path, kinesis, s3):
    put(kinesis, 3)
    seen: list[int] = []

    def handler(event, context):
        seen.extend(numbers(event))
        return {"batchItemFailures": []}

    source(tmp_path, kinesis, s3, handler).run()
    put(kinesis, 2, start=3)
    source(tmp_path, kinesis, s3, handler).run()

    assert seen == [0, 1, 2, 3, 4]
    assert (tmp_path / "runner" / "campaign_processor.json").is_file()
