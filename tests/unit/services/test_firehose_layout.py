"""Firehose key layout, prefix rules, F11 record splitting and the durable buffers (no network)."""

from __future__ import annotations

import gzip
import os
import re
from datetime import datetime

import pytest

from services.firehose import prefixes
from services.firehose.buffer import FRAME, Partition, StreamBuffers, read_segment
from services.firehose.delivery import build_object
from services.firehose.errors import FirehoseApiError
from services.firehose.records import iter_json_records
from services.firehose.streams import from_create_request

MOMENT = datetime(2018, 8, 27, 10, 30, 5)
SUFFIX = re.compile(r"stream-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}(\.gz)?$")


def test_f11_records_without_newline_split():
    body = (b'{"event_id":"e1","campaign":"spring","ts":"2024-04-01T10:00:00Z"}'
            b'{"event_id":"e2","campaign":"spring","ts":"2024-04-01T10:00:01Z"}\n'
            b'{"event_id":"e3","campaign":"summer","ts":"2024-04-01T10:00:02Z"}\n')

    records = list(iter_json_records(body))

    assert [record["event_id"] for record in records] == ["e1", "e2", "e3"]
    assert list(iter_json_records(gzip.compress(body))) == records


@pytest.mark.parametrize(("prefix", "expected"), [
    ("", "2018/08/27/10/"),
    ("myapp/", "myapp/2018/08/27/10/"),
    ("logs/!{timestamp:yyyy}/!{timestamp:MM}/", "logs/2018/08/"),
    ("dt=!{timestamp:yyyy'-'MM'-'dd}/h=!{timestamp:HH}/", "dt=2018-08-27/h=10/"),
])
def test_data_prefix_evaluation(prefix, expected):
    assert prefixes.evaluate(prefixes.data_prefix(prefix), MOMENT) == expected


def test_error_prefix_evaluation():
    template = prefixes.error_prefix("access_logs/dt=!{partitionKeyFromQuery:dt}/",
                                     "errors/access_logs/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/")

    result = prefixes.evaluate(template, MOMENT, error_output_type="partitioning-failed")

    assert result == "errors/access_logs/partitioning-failed/2018/08/27/"


def test_object_suffix_layout():
    suffix = prefixes.object_suffix("shoplake-access-logs", "1", MOMENT, "0d4a4c8e-1111-2222-3333-444455556666", ".gz")

    assert suffix == "shoplake-access-logs-1-2018-08-27-10-30-05-0d4a4c8e-1111-2222-3333-444455556666.gz"


@pytest.mark.parametrize(("prefix", "error_prefix", "message"), [
    ("a/!{timestamp:yyyy}/", "", "ErrorOutputPrefix is required"),
    ("a/!{firehose:error-output-type}/", "e/", "Prefix cannot contain"),
    ("a/!{partitionKeyFromLambda:x}/", "e/", "not supported"),
    ("a/!{timestamp:yyyy-QQ}/", "e/", "pattern letter"),
])
def test_invalid_prefixes_rejected(prefix, error_prefix, message):
    request = {"DeliveryStreamName": "stream", "ExtendedS3DestinationConfiguration": {
        "BucketARN": "arn:aws:s3:::bucket", "Prefix": prefix, "ErrorOutputPrefix": error_prefix}}

    with pytest.raises(FirehoseApiError) as raised:
        from_create_request(request, "us-east-1")

    assert raised.value.code == "InvalidArgumentException"
    assert message in raised.value.message


def dynamic_stream(tmp_path, size_mb=1, interval_s=60):
    request = {"DeliveryStreamName": "stream", "ExtendedS3DestinationConfiguration": {
        "BucketARN": "arn:aws:s3:::bucket", "Prefix": "logs/dt=!{partitionKeyFromQuery:dt}/",
        "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/", "CompressionFormat": "GZIP",
        "BufferingHints": {"SizeInMBs": size_mb, "IntervalInSeconds": interval_s},
        "DynamicPartitioningConfiguration": {"Enabled": True},
        "ProcessingConfiguration": {"Enabled": True, "Processors": [{"Type": "MetadataExtraction", "Parameters": [
            {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{dt:.dt}"}]}]}}}
    stream = from_create_request(request, "us-east-1")
    return stream, StreamBuffers(tmp_path, stream.size_bytes, stream.interval_s)


def test_partition_keys_from_query(tmp_path):
    stream, _ = dynamic_stream(tmp_path)

    assert stream.partition_keys(b'{"dt":"2024-01-01","x":1}\n') == {"dt": "2024-01-01"}
    with pytest.raises(ValueError, match="Non JSON"):
        stream.partition_keys(b"not json")
    with pytest.raises(ValueError, match="missing"):
        stream.partition_keys(b'{"x":1}')


def test_buffer_sealed_before_size_hint_exceeded(tmp_path):
    _, buffers = dynamic_stream(tmp_path, size_mb=1)
    partition = Partition((("dt", "2024-01-01"),))
    record = b"x" * 1023 + b"\n"

    buffers.append([(partition, record)] * 1500, arrival_ms=1_000)
    sealed = buffers.sealed()

    assert len(sealed) == 1
    assert len(read_segment(sealed[0])[1]) == 1024
    assert buffers.buffered_records() == 476


def test_buffer_sealed_after_interval(tmp_path):
    _, buffers = dynamic_stream(tmp_path, interval_s=60)
    buffers.append([(Partition(), b"a\n")], arrival_ms=1_000)

    assert buffers.seal_expired(now_ms=60_999) == 0
    assert buffers.seal_expired(now_ms=61_000) == 1
    assert len(buffers.sealed()) == 1


def test_recovery_cuts_partial_frame(tmp_path):
    _, buffers = dynamic_stream(tmp_path)
    buffers.append([(Partition(), b"first\n"), (Partition(), b"second\n")], arrival_ms=5_000)
    open_file, = tmp_path.glob("*.open")
    with open_file.open("ab") as handle:
        handle.write(FRAME.pack(100, 5_000) + b"partial")

    recovered = StreamBuffers(tmp_path, 1024 * 1024, 60).recover()
    _, records = read_segment(StreamBuffers(tmp_path, 1, 1).sealed()[0])

    assert recovered == 1
    assert records == [(5_000, b"first\n"), (5_000, b"second\n")]
    assert not list(tmp_path.glob("*.open"))


def test_delivered_object_key_is_deterministic(tmp_path):
    stream, buffers = dynamic_stream(tmp_path)
    buffers.append([(Partition((("dt", "2024-01-01"),)), b'{"dt":"2024-01-01"}\n')] * 2,
                   arrival_ms=int(MOMENT.timestamp() * 1000))
    buffers.seal_all()
    segment, = buffers.sealed()

    key, body, count = build_object(stream, segment)
    again, _, _ = build_object(stream, segment)

    assert key == again
    assert key.startswith("logs/dt=2024-01-01/stream-1-")
    assert SUFFIX.search(key)
    assert count == 2
    assert gzip.decompress(body) == b'{"dt":"2024-01-01"}\n' * 2
    assert os.path.exists(segment)
