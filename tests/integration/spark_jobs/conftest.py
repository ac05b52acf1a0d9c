"""Fixtures for the Glue job tests: a fresh set of lake buckets per test, and a job launcher."""

from __future__ import annotations

import gzip
import io
import json
import uuid
from dataclasses import dataclass

import pytest


@dataclass
class Lake:
    """Four private buckets standing in for the raw, staging, curated and quarantine zones."""

    raw: str
    staging: str
    curated: str
    quarantine: str

    @property
    def job_args(self) -> dict[str, str]:
        return {"raw_bucket": self.raw, "staging_bucket": self.staging,
                "curated_bucket": self.curated, "quarantine_bucket": self.quarantine}

    def put(self, bucket: str, key: str, body: bytes) -> None:
        import boto3

        boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=body)

    def put_jsonl_gz(self, bucket: str, key: str, records: list[dict]) -> None:
        text = "".join(json.dumps(record) + "\n" for record in records)
        self.put(bucket, key, gzip.compress(text.encode()))

    def put_parquet(self, bucket: str, key: str, table) -> None:
        import pyarrow.parquet as pq

        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        self.put(bucket, key, buffer.getvalue())

    def get_text(self, bucket: str, key: str) -> str | None:
        import boto3

        client = boto3.client("s3")
        try:
            return client.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        except client.exceptions.NoSuchKey:
            return None

    def quarantine_records(self, stage: str, dt: str, name: str) -> list[dict]:
        text = self.get_text(self.quarantine, f"{stage}/dt={dt}/{name}.jsonl")
        return [json.loads(line) for line in (text or "").splitlines()]

    def uri(self, bucket: str, key: str) -> str:
        return f"s3://{bucket}/{key}"


@pytest.fixture
def lake(stack) -> Lake:
    import boto3

    suffix = uuid.uuid4().hex[:8]
    lake = Lake(*(f"t{suffix}-{zone}" for zone in ("raw", "staging", "curated", "quarantine")))
    client = boto3.client("s3")
    for bucket in (lake.raw, lake.staging, lake.curated, lake.quarantine):
        client.create_bucket(Bucket=bucket)
    return lake


@pytest.fixture
def run_glue_job(stack, spark, lake):
    """Run a job in this process (the shared SparkSession is active) against the test's buckets."""
    from spark_jobs.runner import run_job

    def run(job_name: str, logical_date: str, **extra: str) -> dict:
        return run_job(stack, job_name, logical_date, lake.job_args | extra)

    return run
