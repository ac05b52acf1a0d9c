"""Local S3 event source for the log-processor: invoke the handler for each raw object not yet processed.

Processed objects (key and ETag) are recorded in `<data_dir>/runner/log_processor.json` after each
successful invocation, so a runner that is killed resumes with the first unprocessed object. An object
processed twice sends the same record ids twice; staging readers dedupe on `record_id`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from services.firehose import client as firehose_client
from services.runner import environment
from services.runner.checkpoints import CheckpointFile, checkpoint_dir
from services.runner.context import LocalLambdaContext
from services.runner.events import s3_object_created
from shoplake import aws

if TYPE_CHECKING:
    from shoplake.settings import Settings

log = logging.getLogger(__name__)

RAW_PREFIX = "access_logs/"
COUNT_NAMES = ("lines_read", "records_sent", "quarantined", "dead_lettered", "truncated")


def run_log_processor(settings: Settings, date: str | None = None, flush_timeout_s: float = 300.0) -> dict[str, Any]:
    """Process every new raw access-log object (of one `dt` when `date` is given), then flush Firehose.

    Returns the summed handler counts plus `objects`, `objects_skipped` and `quarantine_reasons`.
    """
    environment.prepare(settings)
    from services.log_processor import handler

    handler.s3 = aws.client("s3", settings)
    handler.firehose = aws.client("firehose", settings)
    checkpoints = CheckpointFile(checkpoint_dir(settings.data_dir) / "log_processor.json")
    totals: dict[str, Any] = dict.fromkeys(COUNT_NAMES, 0) | {"objects": 0, "objects_skipped": 0,
                                                               "quarantine_reasons": {}}

    prefix = f"{RAW_PREFIX}dt={date}/" if date else RAW_PREFIX
    for item in _objects(handler.s3, settings.buckets.raw, prefix):
        key, etag = item["Key"], item["ETag"]
        if checkpoints.data.get(key, {}).get("etag") == etag:
            totals["objects_skipped"] += 1
            continue
        event = s3_object_created(settings.buckets.raw, key, item["Size"], etag, item["LastModified"], settings.region)
        result = handler.lambda_handler(event, LocalLambdaContext("shoplake-log-processor", region=settings.region))
        counts = result["objects"][0]
        checkpoints.data[key] = {"etag": etag, **{name: counts[name] for name in COUNT_NAMES}}
        checkpoints.save()
        _add(totals, counts)
        log.info("processed s3://%s/%s: %s lines, %s records, %s quarantined", settings.buckets.raw, key,
                 counts["lines_read"], counts["records_sent"], counts["quarantined"])

    if totals["objects"] or settings.is_local:
        # Locally the flush is cheap and also delivers records a killed earlier run left buffered.
        firehose_client.flush(settings, flush_timeout_s)
    return totals


def _objects(s3: Any, bucket: str, prefix: str) -> list[dict[str, Any]]:
    """Return the objects under `prefix` in key order (ListObjectsV2, all pages)."""
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        found.extend(page.get("Contents", []))
    return sorted(found, key=lambda item: item["Key"])


def _add(totals: dict[str, Any], counts: dict[str, Any]) -> None:
    totals["objects"] += 1
    for name in COUNT_NAMES:
        totals[name] += counts[name]
    for reason, number in counts["quarantine_reasons"].items():
        totals["quarantine_reasons"][reason] = totals["quarantine_reasons"].get(reason, 0) + number
