"""Get-or-create of the profile's buckets, streams and delivery streams."""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from shoplake import aws

if TYPE_CHECKING:
    from shoplake.settings import Settings

log = logging.getLogger(__name__)


def ensure_buckets(settings: Settings) -> None:
    """Create each zone's bucket unless it exists (CreateBucket)."""
    s3 = aws.client("s3", settings)
    existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    for name in settings.buckets.all():
        if name in existing:
            continue
        try:
            s3.create_bucket(Bucket=name)
            log.info("created bucket %s", name)
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise


def ensure_campaign_stream(settings: Settings) -> None:
    """Create the campaign Kinesis stream unless it exists, then wait until it is active."""
    kinesis = aws.client("kinesis", settings)
    try:
        kinesis.describe_stream_summary(StreamName=settings.campaign_stream)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        kinesis.create_stream(StreamName=settings.campaign_stream, ShardCount=settings.campaign_shards)
        log.info("created stream %s with %s shards", settings.campaign_stream, settings.campaign_shards)
    kinesis.get_waiter("stream_exists").wait(StreamName=settings.campaign_stream,
                                             WaiterConfig={"Delay": 1, "MaxAttempts": 30})


def ensure_resources(settings: Settings) -> None:
    """Create every AWS-side resource the local profile needs."""
    ensure_buckets(settings)
    ensure_campaign_stream(settings)
    try:
        delivery = importlib.import_module("services.firehose.provision")
    except ModuleNotFoundError:
        log.debug("no Firehose provisioning module; skipping the delivery stream")
        return
    delivery.ensure_delivery_stream(settings)
