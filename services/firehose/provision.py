"""Get-or-create of the access-log delivery stream (`shoplake stack up` calls `ensure_delivery_stream`).

Records are partitioned on their `dt` field with a metadata extraction query, gzipped, and written to
the staging bucket under `access_logs/dt=<dt>/`. Locally the buffering interval is short (5 s by
default) so that ingest results reach S3 quickly. `[firehose] buffer_interval_s` and `buffer_size_mb`
in the profile's settings change it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shoplake import aws

if TYPE_CHECKING:
    from shoplake.settings import Settings

log = logging.getLogger(__name__)

LOCAL_INTERVAL_S = 5
LOCAL_SIZE_MB = 5
DATA_PREFIX = "access_logs/dt=!{partitionKeyFromQuery:dt}/"
ERROR_PREFIX = "errors/access_logs/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/"
PARTITION_QUERY = "{dt:.dt}"


def buffering_hints(settings: Settings) -> dict[str, int]:
    """Return the stream's BufferingHints from `[firehose]` settings, or the local defaults."""
    section = settings.section("firehose")
    return {"SizeInMBs": int(section.get("buffer_size_mb", LOCAL_SIZE_MB)),
            "IntervalInSeconds": int(section.get("buffer_interval_s", LOCAL_INTERVAL_S))}


def destination_configuration(settings: Settings) -> dict[str, Any]:
    """Return the ExtendedS3DestinationConfiguration of the access-log stream."""
    return {
        "RoleARN": settings.section("firehose").get("role_arn", "arn:aws:iam::000000000000:role/firehose-local"),
        "BucketARN": f"arn:aws:s3:::{settings.buckets.staging}",
        "Prefix": DATA_PREFIX,
        "ErrorOutputPrefix": ERROR_PREFIX,
        "BufferingHints": buffering_hints(settings),
        "CompressionFormat": "GZIP",
        "DynamicPartitioningConfiguration": {"Enabled": True, "RetryOptions": {"DurationInSeconds": 300}},
        "ProcessingConfiguration": {"Enabled": True, "Processors": [{
            "Type": "MetadataExtraction",
            "Parameters": [{"ParameterName": "MetadataExtractionQuery", "ParameterValue": PARTITION_QUERY},
                           {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"}],
        }]},
    }


def ensure_delivery_stream(settings: Settings) -> str:
    """Create the delivery stream unless it exists (CreateDeliveryStream); return its ARN.

    On the aws profile the stream belongs to the infrastructure code, so a missing stream is an error.
    """
    firehose = aws.client("firehose", settings)
    try:
        description = firehose.describe_delivery_stream(DeliveryStreamName=settings.firehose_stream)
        return str(description["DeliveryStreamDescription"]["DeliveryStreamARN"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    if not settings.is_local:
        raise RuntimeError(f"Firehose delivery stream {settings.firehose_stream} not found in {settings.region}; "
                           "deploy the infrastructure (aws_profile/cdk) first")

    response = firehose.create_delivery_stream(
        DeliveryStreamName=settings.firehose_stream, DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration=destination_configuration(settings))
    log.info("created delivery stream %s", settings.firehose_stream)
    return str(response["DeliveryStreamARN"])
