"""PutRecords in batches of 500, re-sending only the failed entries with exponential back-off."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from sample_data.errors import KinesisPublishError

log = logging.getLogger(__name__)
MAX_BATCH = 500
MAX_ATTEMPTS = 6
BASE_DELAY_S = 0.1


def put_all(client: Any, stream: str, entries: Sequence[dict[str, Any]], on_batch: Callable[[int], None] | None = None,
            sleep: Callable[[float], None] = time.sleep) -> list[dict[str, Any]]:
    """Send every entry (`Data`, `PartitionKey`) in order; return each entry's result (`ShardId`, `SequenceNumber`).

    Raises KinesisPublishError naming the failed entries when retries run out.
    """
    results: list[dict[str, Any]] = []
    for start in range(0, len(entries), MAX_BATCH):
        batch = list(entries[start:start + MAX_BATCH])
        results.extend(_put_batch(client, stream, batch, sleep))
        if on_batch:
            on_batch(len(batch))
    return results


def _put_batch(client: Any, stream: str, batch: list[dict[str, Any]], sleep: Callable[[float], None]) -> list[dict[str, Any]]:
    results: list[dict[str, Any] | None] = [None] * len(batch)
    pending = list(range(len(batch)))

    for attempt in range(1, MAX_ATTEMPTS + 1):
        response = client.put_records(StreamName=stream, Records=[batch[index] for index in pending])
        failed = []
        for index, outcome in zip(pending, response["Records"], strict=True):
            if "ErrorCode" in outcome:
                failed.append((index, outcome["ErrorCode"]))
            else:
                results[index] = outcome
        if not failed:
            return [result for result in results if result is not None]
        pending = [index for index, _ in failed]
        log.debug("PutRecords attempt %s: %s of %s entries failed (%s); retrying", attempt, len(failed),
                  len(response["Records"]), failed[0][1])
        if attempt < MAX_ATTEMPTS:
            sleep(BASE_DELAY_S * 2 ** (attempt - 1))

    codes = sorted({code for _, code in failed})
    raise KinesisPublishError(
        f"PutRecords to stream {stream} failed for {len(pending)} entries after {MAX_ATTEMPTS} attempts "
        f"(error codes: {', '.join(codes)}); check the stream's shard count and throughput, then re-run"
    )
