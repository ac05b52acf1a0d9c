"""Fixtures for the services' unit tests: in-process moto S3 and a recording fake Firehose client."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from services.log_processor.config import LOCAL_IP_HASH_KEY
from services.runner.context import LocalLambdaContext

RAW = "shoplake-raw"
STAGING = "shoplake-staging"
QUARANTINE = "shoplake-quarantine"


class RecordingFirehose:
    """A fake Firehose client: records every PutRecordBatch and returns scripted per-entry errors."""

    def __init__(self) -> None:
        self.calls: list[list[bytes]] = []
        self.failures: list[dict[int, str]] = []

    def put_record_batch(self, DeliveryStreamName: str, Records: list[dict[str, bytes]]) -> dict[str, Any]:  # noqa: N803
        data = [record["Data"] for record in Records]
        self.calls.append(data)
        failing = self.failures.pop(0) if self.failures else {}
        responses = [{"ErrorCode": failing[index], "ErrorMessage": "scripted failure"} if index in failing
                     else {"RecordId": f"r{index}"} for index in range(len(data))]
        return {"FailedPutCount": len(failing), "RequestResponses": responses}

    def delivered(self) -> list[dict[str, Any]]:
        """Return the records of every call, minus entries that the call reported as failed."""
        return [json.loads(data) for call in self.calls for data in call]


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_ENDPOINT_URL", "SHOPLAKE_IP_HASH_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "WARNING")
    with mock_aws():
        yield


@pytest.fixture
def s3(aws_env: None) -> Any:
    client = boto3.client("s3")
    for bucket in (RAW, STAGING, QUARANTINE):
        client.create_bucket(Bucket=bucket)
    return client


@pytest.fixture
def log_handler(s3: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from services.log_processor import handler
    from services.log_processor.sender import RetryPolicy

    monkeypatch.setattr(handler, "s3", s3)
    monkeypatch.setattr(handler, "firehose", RecordingFirehose())
    monkeypatch.setattr(handler, "retry_policy", RetryPolicy(max_attempts=3, base_delay_s=0.0, max_delay_s=0.0))
    return handler


def run_log_handler(handler: Any, s3: Any, body: bytes, key: str = "access_logs/dt=2024-01-01/hour=00/t.log.gz",
                    compress: bool = True) -> dict[str, Any]:
    """Upload `body` to the raw bucket and invoke the handler with its ObjectCreated event."""
    s3.put_object(Bucket=RAW, Key=key, Body=gzip.compress(body) if compress else body)
    event = {"Records": [{"eventName": "ObjectCreated:Put", "eventTime": "2024-01-01T00:00:00.000Z",
                          "s3": {"bucket": {"name": RAW}, "object": {"key": key.replace("=", "%3D")}}}]}
    result: dict[str, Any] = handler.lambda_handler(event, LocalLambdaContext("log-processor"))
    return result


def quarantined(s3: Any, prefix: str = "log_processor/") -> list[dict[str, Any]]:
    records = []
    for item in s3.list_objects_v2(Bucket=QUARANTINE, Prefix=prefix).get("Contents", []):
        body = s3.get_object(Bucket=QUARANTINE, Key=item["Key"])["Body"].read()
        records.extend(json.loads(line) for line in body.splitlines())
    return records


def ip_hash(text: str) -> str:
    return hmac.new(LOCAL_IP_HASH_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()
