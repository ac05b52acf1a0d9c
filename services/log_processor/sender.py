"""PutRecordBatch with per-entry retries and a dead-letter location.

Firehose accepts at most 500 records and 4 MiB per PutRecordBatch call and reports failures per
entry. Only the failed entries are re-sent, with exponential back-off and full jitter; entries
still failing after the retry budget, or failing with an error that a retry cannot fix, go to the
dead-letter writer instead of failing the whole object.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

log = logging.getLogger(__name__)

MAX_BATCH_RECORDS = 500
MAX_BATCH_BYTES = 4 * 1024 * 1024
MAX_RECORD_BYTES = 1000 * 1024
RETRYABLE_CODES = frozenset({"ServiceUnavailableException", "InternalFailure", "InternalFailureException",
                             "ThrottlingException", "LimitExceededException", "RequestTimeout"})


class Entry(NamedTuple):
    """One record to send, with what the dead-letter record needs to name it."""

    data: bytes
    line_number: int
    dt: str


class DeadLetter(NamedTuple):
    """One entry that could not be delivered, and the last error it got."""

    entry: Entry
    error_code: str
    error_message: str


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts and back-off of one batch: delay = uniform(0, min(cap, base * 2**attempt))."""

    max_attempts: int = 6
    base_delay_s: float = 0.1
    max_delay_s: float = 5.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_delay_s, self.base_delay_s * 2 ** attempt))  # noqa: S311


class FirehoseBatchSender:
    """Batch entries into PutRecordBatch calls; count what was sent and what was dead-lettered."""

    def __init__(self, client: Any, stream: str, on_dead_letter: Callable[[DeadLetter], None],
                 policy: RetryPolicy | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self._client = client
        self._stream = stream
        self._on_dead_letter = on_dead_letter
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._batch: list[Entry] = []
        self._batch_bytes = 0
        self.sent = 0
        self.dead_lettered = 0
        self.calls = 0

    def add(self, entry: Entry) -> None:
        """Queue one entry; send the batch first if the entry would exceed a batch limit."""
        if len(entry.data) > MAX_RECORD_BYTES:
            raise ValueError(f"record of {len(entry.data)} bytes exceeds Firehose's {MAX_RECORD_BYTES}-byte limit")
        if len(self._batch) >= MAX_BATCH_RECORDS or self._batch_bytes + len(entry.data) > MAX_BATCH_BYTES:
            self.flush()
        self._batch.append(entry)
        self._batch_bytes += len(entry.data)

    def flush(self) -> None:
        """Send the queued entries (PutRecordBatch), retrying failed entries only."""
        batch, self._batch, self._batch_bytes = self._batch, [], 0
        if batch:
            self._send(batch)

    def _send(self, pending: list[Entry]) -> None:
        errors: list[tuple[str, str]] = [("NotAttempted", "no attempt was made")] * len(pending)
        for attempt in range(self._policy.max_attempts):
            if attempt:
                self._sleep(self._policy.delay(attempt))
            try:
                self.calls += 1
                response = self._client.put_record_batch(
                    DeliveryStreamName=self._stream, Records=[{"Data": entry.data} for entry in pending])
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "ClientError")
                message = exc.response.get("Error", {}).get("Message", str(exc))
                if code not in RETRYABLE_CODES:
                    self._dead_letter(pending, [(code, message)] * len(pending))
                    return
                errors = [(code, message)] * len(pending)
                log.warning("PutRecordBatch to %s failed with %s (attempt %s); retrying", self._stream, code,
                            attempt + 1)
                continue
            except (ConnectionError, HTTPClientError) as exc:
                errors = [(type(exc).__name__, str(exc))] * len(pending)
                log.warning("PutRecordBatch to %s failed: %s (attempt %s); retrying", self._stream, exc, attempt + 1)
                continue

            pending, errors = self._keep_failed(pending, response["RequestResponses"])
            if not pending:
                return
        self._dead_letter(pending, errors)

    def _keep_failed(self, pending: list[Entry], results: list[dict[str, Any]]) -> tuple[list[Entry], list]:
        """Count delivered entries; return retryable failed ones, dead-lettering the others."""
        retry: list[Entry] = []
        retry_errors: list[tuple[str, str]] = []
        for entry, result in zip(pending, results, strict=True):
            code = result.get("ErrorCode")
            if code is None:
                self.sent += 1
            elif code in RETRYABLE_CODES:
                retry.append(entry)
                retry_errors.append((code, result.get("ErrorMessage", "")))
            else:
                self._dead_letter([entry], [(code, result.get("ErrorMessage", ""))])
        if retry:
            log.debug("%s of %s entries failed; re-sending only those", len(retry), len(pending))
        return retry, retry_errors

    def _dead_letter(self, entries: list[Entry], errors: list[tuple[str, str]]) -> None:
        for entry, (code, message) in zip(entries, errors, strict=True):
            self.dead_lettered += 1
            self._on_dead_letter(DeadLetter(entry, code, message))
