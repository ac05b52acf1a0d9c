"""Event JSON in the shapes AWS sends to Lambda: S3 event notifications and Kinesis batches."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus


def s3_object_created(bucket: str, key: str, size: int, etag: str, event_time: datetime, region: str) -> dict:
    """Return an `ObjectCreated:Put` S3 event notification for one object (the key URL-encoded as S3 does)."""
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": region,
        "eventTime": event_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "eventName": "ObjectCreated:Put", "userIdentity": {"principalId": "shoplake-local"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": "local", "x-amz-id-2": "local"},
        "s3": {
            "s3SchemaVersion": "1.0", "configurationId": "shoplake-local-runner",
            "bucket": {"name": bucket, "ownerIdentity": {"principalId": "shoplake-local"},
                       "arn": f"arn:aws:s3:::{bucket}"},
            "object": {"key": quote_plus(key, safe="/"), "size": size, "eTag": etag.strip('"'),
                       "sequencer": "0"},
        },
    }]}


def kinesis_batch(records: list[dict[str, Any]], shard_id: str, stream_arn: str, region: str) -> dict:
    """Return a Kinesis event for GetRecords `records` of one shard."""
    return {"Records": [{
        "kinesis": {
            "kinesisSchemaVersion": "1.0", "partitionKey": record["PartitionKey"],
            "sequenceNumber": record["SequenceNumber"], "data": base64.b64encode(record["Data"]).decode("ascii"),
            "approximateArrivalTimestamp": record["ApproximateArrivalTimestamp"].timestamp(),
        },
        "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": f"{shard_id}:{record['SequenceNumber']}",
        "eventName": "aws:kinesis:record", "invokeIdentityArn": "arn:aws:iam::000000000000:role/shoplake-local",
        "awsRegion": region, "eventSourceARN": stream_arn,
    } for record in records]}
