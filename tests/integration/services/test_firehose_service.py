"""The Firehose service over HTTP: API errors, key layout, and buffering with small hints."""

from __future__ import annotations

import dataclasses
import json
import re
import time

import pytest
from botocore.exceptions import ClientError

from tests.integration.services.conftest import keys, read_records

pytestmark = pytest.mark.integration

DEFAULT_LAYOUT = re.compile(r"^\d{4}/\d{2}/\d{2}/\d{2}/(?P<name>[\w.-]+)-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-"
                            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def create_stream(firehose, stack, name: str, size_mb: int, interval_s: int, prefix: str = "", **extra) -> None:
    try:
        firehose.delete_delivery_stream(DeliveryStreamName=name)
    except ClientError:
        pass
    firehose.create_delivery_stream(DeliveryStreamName=name, ExtendedS3DestinationConfiguration={
        "RoleARN": "arn:aws:iam::000000000000:role/test", "BucketARN": f"arn:aws:s3:::{stack.buckets.curated}",
        "Prefix": prefix, "BufferingHints": {"SizeInMBs": size_mb, "IntervalInSeconds": interval_s}, **extra})


def wait_for_keys(s3, bucket: str, prefix: str, count: int, timeout_s: float) -> list[str]:
    deadline = time.monotonic() + timeout_s
    found = keys(s3, bucket, prefix)
    while len(found) < count and time.monotonic() < deadline:
        time.sleep(0.2)
        found = keys(s3, bucket, prefix)
    return found


def test_describe_and_list(firehose, stack):
    description = firehose.describe_delivery_stream(DeliveryStreamName=stack.firehose_stream)
    destination = description["DeliveryStreamDescription"]["Destinations"][0]["ExtendedS3DestinationDescription"]

    assert stack.firehose_stream in firehose.list_delivery_streams()["DeliveryStreamNames"]
    assert destination["CompressionFormat"] == "GZIP"
    assert destination["Prefix"] == "access_logs/dt=!{partitionKeyFromQuery:dt}/"


def test_unknown_stream_is_resource_not_found(firehose):
    with pytest.raises(ClientError) as raised:
        firehose.put_record(DeliveryStreamName="missing-stream", Record={"Data": b"x"})

    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_batch_limits(firehose, stack):
    create_stream(firehose, stack, "limits-test", 1, 900, prefix="limits/")

    with pytest.raises(ClientError) as too_many:
        firehose.put_record_batch(DeliveryStreamName="limits-test", Records=[{"Data": b"x"}] * 501)
    with pytest.raises(ClientError) as too_large:
        firehose.put_record_batch(DeliveryStreamName="limits-test", Records=[{"Data": b"x" * 1_000_000}] * 5)
    response = firehose.put_record_batch(DeliveryStreamName="limits-test",
                                         Records=[{"Data": b"ok\n"}, {"Data": b"x" * 1_024_001}, {"Data": b"ok\n"}])

    assert too_many.value.response["Error"]["Code"] == "ValidationException"
    assert too_large.value.response["Error"]["Code"] == "InvalidArgumentException"
    assert response["FailedPutCount"] == 1
    assert response["RequestResponses"][1]["ErrorCode"] == "InvalidArgumentException"
    assert "RecordId" in response["RequestResponses"][0]


def test_default_layout_and_interval_hint(firehose, stack, s3):
    create_stream(firehose, stack, "interval-test", 1, 2)
    started = time.monotonic()

    firehose.put_record(DeliveryStreamName="interval-test", Record={"Data": b'{"n":1}\n'})
    # The default layout starts with the UTC year, so only this stream's object name can be waited for.
    deadline = started + 20
    found = [key for key in keys(s3, stack.buckets.curated, "") if "interval-test" in key]
    while not found and time.monotonic() < deadline:
        time.sleep(0.2)
        found = [key for key in keys(s3, stack.buckets.curated, "") if "interval-test" in key]
    elapsed = time.monotonic() - started

    assert len(found) == 1
    assert DEFAULT_LAYOUT.match(found[0]).group("name") == "interval-test"
    assert elapsed >= 1.5
    assert read_records(s3, stack.buckets.curated, found[0]) == [{"n": 1}]


def test_size_hint_delivers_before_interval(firehose, stack, s3):
    create_stream(firehose, stack, "size-test", 1, 900, prefix="size/!{timestamp:yyyy}/", ErrorOutputPrefix="err/",
                  CompressionFormat="GZIP")
    record = json.dumps({"pad": "x" * 1000}).encode() + b"\n"

    for _ in range(5):
        firehose.put_record_batch(DeliveryStreamName="size-test", Records=[{"Data": record}] * 500)
    found = wait_for_keys(s3, stack.buckets.curated, "size/", 2, 20)
    time.sleep(1)

    assert len(keys(s3, stack.buckets.curated, "size/")) == 2
    assert all(key.endswith(".gz") and key.startswith(f"size/{time.gmtime().tm_year}/size-test-1-") for key in found)
    sizes = [len(record) * len(read_records(s3, stack.buckets.curated, key)) for key in found]
    assert all(size <= 1024 * 1024 for size in sizes)


def test_flush_delivers_buffered_records(firehose, stack, s3):
    from services.firehose.client import flush

    create_stream(firehose, stack, "flush-test", 5, 900, prefix="flush/")
    firehose.put_record_batch(DeliveryStreamName="flush-test", Records=[{"Data": b'{"n":%d}\n' % n} for n in range(10)])

    flush(dataclasses.replace(stack, firehose_stream="flush-test"), timeout_s=30)

    assert sorted(record["n"] for record in read_records(s3, stack.buckets.curated, "flush/")) == list(range(10))
