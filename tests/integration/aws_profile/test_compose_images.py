"""The compose file's S3 image (or the embedded S3 server) answers the calls the pipeline makes."""

from __future__ import annotations

import boto3
import pytest

pytestmark = pytest.mark.integration


def test_s3_endpoint_round_trip(s3_endpoint) -> None:
    client = boto3.client("s3", endpoint_url=s3_endpoint.url, region_name="us-east-1",
                          aws_access_key_id=s3_endpoint.access_key, aws_secret_access_key=s3_endpoint.secret_key)
    bucket = "shoplake-compose-image-check"
    client.create_bucket(Bucket=bucket)

    client.put_object(Bucket=bucket, Key="access_logs/dt=2026-11-02/probe.txt", Body=b"probe\n")
    body = client.get_object(Bucket=bucket, Key="access_logs/dt=2026-11-02/probe.txt")["Body"].read()

    assert body == b"probe\n", f"S3 server: {s3_endpoint.source}"
