"""Fixtures for the services' integration tests: clients of the session's embedded stack."""

from __future__ import annotations

from typing import Any

import pytest

from services.firehose.records import iter_json_records


@pytest.fixture(scope="module")
def s3(stack) -> Any:
    from shoplake import aws

    return aws.client("s3", stack)


@pytest.fixture
def firehose(stack) -> Any:
    from shoplake import aws

    return aws.client("firehose", stack)


def put_day(s3: Any, bucket: str, objects: dict[str, bytes]) -> None:
    for key, body in objects.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)


def read_records(s3: Any, bucket: str, prefix: str) -> list[dict[str, Any]]:
    """Return every JSON record of every object under `prefix` (Firehose objects, gzipped or not)."""
    records = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            records.extend(iter_json_records(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()))
    return records


def keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        found.extend(item["Key"] for item in page.get("Contents", []))
    return found
