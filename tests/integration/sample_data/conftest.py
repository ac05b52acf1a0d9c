"""Generation targets of their own (raw bucket, Kinesis stream, source database) on the session stack.

Other areas' tests use the default names on the same stack, so these tests
never read or replace what those tests write.
"""

import dataclasses

import pytest

from shoplake import aws
from shoplake.stack import postgres


def isolated_settings(stack, suffix):
    """Return the stack's settings with a raw bucket, stream and source database named for `suffix`."""
    settings = dataclasses.replace(
        stack,
        buckets=dataclasses.replace(stack.buckets, raw=f"sample-data-raw-{suffix}"),
        campaign_stream=f"sample-data-events-{suffix}",
        source_db=f"sample_data_source_{suffix}",
    )
    s3 = aws.client("s3", settings)
    existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    if settings.buckets.raw not in existing:
        s3.create_bucket(Bucket=settings.buckets.raw)
    postgres.create_databases(settings)
    return settings


@pytest.fixture(scope="module")
def scale_one(stack):
    """One scale-1 generation for the module: (settings, manifest)."""
    from sample_data.generate import generate_all

    settings = isolated_settings(stack, "scale1")
    return settings, generate_all(settings, seed=42, scale=1, progress=False)
