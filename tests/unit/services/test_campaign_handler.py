"""The campaign handler: validation, event_id dedupe, deterministic keys, quarantine, partial failures."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from services.runner.context import LocalLambdaContext
from tests.unit.services.conftest import QUARANTINE, STAGING, quarantined

STREAM_ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/shoplake-campaign-events"


def kinesis_event(payloads: list[Any], first_sequence: int = 1, shard: str = "shardId-000000000000") -> dict:
    records = []
    for offset, payload in enumerate(payloads):
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode() + b"\n"
        sequence = str(first_sequence + offset)
        records.append({"kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "p", "sequenceNumber": sequence,
                                    "data": base64.b64encode(data).decode(),
                                    "approximateArrivalTimestamp": 1711965600.0},
                        "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": f"{shard}:{sequence}",
                        "eventName": "aws:kinesis:record", "awsRegion": "us-east-1", "eventSourceARN": STREAM_ARN,
                        "invokeIdentityArn": "arn:aws:iam::000000000000:role/x"})
    return {"Records": records}


def event(event_id: str, ts: str = "2024-04-01T10:00:00Z", **changes: Any) -> dict[str, Any]:
    return {"event_id": event_id, "campaign_id": "spring", "customer_id": 42, "event_type": "click",
            "channel": "email", "ts": ts, **changes}


@pytest.fixture
def campaign_handler(s3, monkeypatch):
    from services.campaign_processor import handler

    monkeypatch.setattr(handler, "s3", s3)
    return handler


def staged(s3) -> dict[str, list[dict[str, Any]]]:
    objects = {}
    for item in s3.list_objects_v2(Bucket=STAGING, Prefix="campaign_events/").get("Contents", []):
        body = s3.get_object(Bucket=STAGING, Key=item["Key"])["Body"].read()
        objects[item["Key"]] = [json.loads(line) for line in body.splitlines()]
    return objects


def invoke(handler, payload: dict) -> dict:
    return handler.lambda_handler(payload, LocalLambdaContext("campaign-processor"))


def test_batch_staged_by_event_date(campaign_handler, s3):
    response = invoke(campaign_handler, kinesis_event([event("e1"), event("e2", ts="2024-04-02T00:00:01+02:00")]))

    assert response == {"batchItemFailures": []}
    assert sorted(staged(s3)) == ["campaign_events/dt=2024-04-01/shardId-000000000000-1-2.jsonl"]
    first, second = staged(s3)["campaign_events/dt=2024-04-01/shardId-000000000000-1-2.jsonl"]
    assert first["kinesis_sequence_number"] == "1"
    assert first["kinesis_shard_id"] == "shardId-000000000000"
    assert second["ts"] == "2024-04-01T22:00:01Z"
    assert "dt" not in first


def test_f12_duplicate_event_id_stored_once(campaign_handler, s3):
    response = invoke(campaign_handler, kinesis_event([event("e1"), event("e2"), event("e1")]))

    lines = [line for lines in staged(s3).values() for line in lines]
    assert response == {"batchItemFailures": []}
    assert sorted(line["event_id"] for line in lines) == ["e1", "e2"]
    assert next(line for line in lines if line["event_id"] == "e1")["kinesis_sequence_number"] == "1"


def test_redelivered_batch_overwrites(campaign_handler, s3):
    payload = kinesis_event([event("e1"), event("e2")])

    invoke(campaign_handler, payload)
    invoke(campaign_handler, payload)

    assert sum(len(lines) for lines in staged(s3).values()) == 2


def test_invalid_events_quarantined_with_reason(campaign_handler, s3):
    payloads = [event("e1"), event("e2", event_type="bounce"), b"{not json", event("e4", customer_id="x"),
                event("e5", ts="2024-04-01T10:00:00")]

    response = invoke(campaign_handler, kinesis_event(payloads))
    entries = quarantined(s3, "campaign_processor/")

    assert response == {"batchItemFailures": []}
    assert [entry["offset"] for entry in entries] == ["2", "3", "4", "5"]
    assert {entry["reason"] for entry in entries} == {"invalid_event"}
    assert "event_type 'bounce'" in entries[0]["detail"]
    assert entries[0]["source"] == "shoplake-campaign-events/shardId-000000000000"
    assert base64.b64decode(entries[1]["raw_b64"]) == b"{not json"


def test_failed_write_reported_as_batch_item_failures(campaign_handler, s3, monkeypatch):
    real_put = s3.put_object

    def put_object(**arguments):
        if "dt=2024-04-02" in arguments["Key"]:
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "slow down"}}, "PutObject")
        return real_put(**arguments)

    monkeypatch.setattr(s3, "put_object", put_object)
    payloads = [event("e1"), event("e2", ts="2024-04-02T10:00:00Z"), event("e3", ts="2024-04-02T11:00:00Z")]

    response = invoke(campaign_handler, kinesis_event(payloads, first_sequence=10))

    assert response == {"batchItemFailures": [{"itemIdentifier": "11"}, {"itemIdentifier": "12"}]}
    assert sorted(staged(s3)) == ["campaign_events/dt=2024-04-01/shardId-000000000000-10-10.jsonl"]


def test_quarantine_bucket_name_from_environment(campaign_handler, s3, monkeypatch):
    s3.create_bucket(Bucket="other-quarantine")
    monkeypatch.setenv("SHOPLAKE_BUCKETS__QUARANTINE", "other-quarantine")

    invoke(campaign_handler, kinesis_event([b"[]"]))

    assert s3.list_objects_v2(Bucket="other-quarantine")["KeyCount"] == 1
    assert s3.list_objects_v2(Bucket=QUARANTINE)["KeyCount"] == 0


def test_producer_variants_normalised(campaign_handler, s3):
    payloads = [event("e1", event_type=" Click"), event("e2", ts=1711965600000), event("e3", customer_id="42"),
                event("e4", ts="2024-04-01T19:00:00+09:00"), event("e5", customer_id=None)]

    invoke(campaign_handler, kinesis_event(payloads))
    lines = {line["event_id"]: line for lines in staged(s3).values() for line in lines}

    assert sorted(lines) == ["e1", "e2", "e3", "e4"]
    assert lines["e1"]["event_type"] == "click"
    assert lines["e2"]["ts"] == "2024-04-01T10:00:00Z"
    assert lines["e3"]["customer_id"] == 42
    assert lines["e4"]["ts"] == "2024-04-01T10:00:00Z"
    assert [entry["offset"] for entry in quarantined(s3, "campaign_processor/")] == ["5"]
