"""The delivery service: stream registry, the Firehose API operations, and the delivery thread."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from services.firehose import delivery
from services.firehose.buffer import Partition, StreamBuffers
from services.firehose.errors import FirehoseApiError, invalid_argument, not_found, validation
from services.firehose.streams import ACCOUNT_ID, DeliveryStream, PartitioningFailed, from_create_request

log = logging.getLogger(__name__)

MAX_RECORD_BYTES = 1000 * 1024
MAX_BATCH_RECORDS = 500
MAX_BATCH_BYTES = 4 * 1024 * 1024
TICK_S = 0.2
MAX_RETRY_DELAY_S = 10.0


class FirehoseService:
    """Streams and their buffers under `data_dir`; delivers sealed buffers with an S3 client factory."""

    def __init__(self, data_dir: Path, region: str, s3_factory: Callable[[], Any]) -> None:
        self.data_dir = data_dir
        self.region = region
        self._s3_factory = s3_factory
        self._s3: Any = None
        self._streams: dict[str, DeliveryStream] = {}
        self._buffers: dict[str, StreamBuffers] = {}
        self._lock = threading.RLock()
        self._delivered = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.stats: dict[str, dict[str, int]] = {}
        self._load()

    # Life cycle

    def start(self) -> None:
        """Start the delivery thread (it delivers recovered buffers first)."""
        self._thread = threading.Thread(target=self._run, name="firehose-delivery", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _load(self) -> None:
        streams_dir = self.data_dir / "streams"
        streams_dir.mkdir(parents=True, exist_ok=True)
        for config in sorted(streams_dir.glob("*/stream.json")):
            stream = DeliveryStream.from_json(json.loads(config.read_text()))
            self._register(stream)
            recovered = self._buffers[stream.name].recover()
            if recovered:
                log.info("stream %s: recovered %s undelivered buffers from %s", stream.name, recovered, config.parent)

    def _register(self, stream: DeliveryStream) -> None:
        self._streams[stream.name] = stream
        self._buffers[stream.name] = StreamBuffers(self.data_dir / "streams" / stream.name / "buffers",
                                                   stream.size_bytes, stream.interval_s)
        self.stats.setdefault(stream.name, {"records_in": 0, "bytes_in": 0, "records_delivered": 0,
                                            "objects_delivered": 0, "records_failed_partitioning": 0})

    # API operations (request and response dicts in the Firehose JSON 1.1 shapes)

    def create_delivery_stream(self, request: dict[str, Any]) -> dict[str, Any]:
        stream = from_create_request(request, self.region)
        with self._lock:
            if stream.name in self._streams:
                raise FirehoseApiError("ResourceInUseException",
                                       f"Firehose stream {stream.name} under account {ACCOUNT_ID} already exists.")
            directory = self.data_dir / "streams" / stream.name
            directory.mkdir(parents=True, exist_ok=True)
            temporary = directory / "stream.json.tmp"
            temporary.write_text(json.dumps(stream.to_json(), indent=2))
            os.replace(temporary, directory / "stream.json")
            self._register(stream)
        log.info("created delivery stream %s to bucket %s (size %s MiB, interval %s s)", stream.name, stream.bucket,
                 stream.size_bytes // (1024 * 1024), stream.interval_s)
        return {"DeliveryStreamARN": stream.arn}

    def delete_delivery_stream(self, request: dict[str, Any]) -> dict[str, Any]:
        """Delete a stream after delivering what it buffered."""
        name = request.get("DeliveryStreamName", "")
        self._stream(name)
        self.flush(name, timeout_s=60)
        with self._lock:
            self._streams.pop(name)
            self._buffers.pop(name)
            shutil.rmtree(self.data_dir / "streams" / name, ignore_errors=True)
        log.info("deleted delivery stream %s", name)
        return {}

    def describe_delivery_stream(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"DeliveryStreamDescription": self._stream(request.get("DeliveryStreamName", "")).description()}

    def list_delivery_streams(self, request: dict[str, Any]) -> dict[str, Any]:
        limit = int(request.get("Limit", 10))
        start = request.get("ExclusiveStartDeliveryStreamName")
        names = sorted(name for name in self._streams if start is None or name > start)
        return {"DeliveryStreamNames": names[:limit], "HasMoreDeliveryStreams": len(names) > limit}

    def put_record(self, request: dict[str, Any]) -> dict[str, Any]:
        stream = self._stream(request.get("DeliveryStreamName", ""))
        data = _decode((request.get("Record") or {}).get("Data"))
        if len(data) > MAX_RECORD_BYTES:
            raise validation(f"Record size {len(data)} bytes exceeds the {MAX_RECORD_BYTES}-byte limit")
        self._append(stream, [data])
        return {"RecordId": _record_id(), "Encrypted": False}

    def put_record_batch(self, request: dict[str, Any]) -> dict[str, Any]:
        """Append a batch; records over 1,000 KiB fail alone, a batch over 500 records or 4 MiB fails whole."""
        stream = self._stream(request.get("DeliveryStreamName", ""))
        records = request.get("Records") or []
        if not 1 <= len(records) <= MAX_BATCH_RECORDS:
            raise validation(f"Value at 'records' failed to satisfy constraint: Member must have length between "
                             f"1 and {MAX_BATCH_RECORDS} (got {len(records)})")
        decoded = [_decode(record.get("Data")) for record in records]
        total = sum(len(data) for data in decoded)
        if total > MAX_BATCH_BYTES:
            raise invalid_argument(f"Records size {total} bytes exceeds the {MAX_BATCH_BYTES}-byte limit of one "
                                   "PutRecordBatch request")

        accepted = [data for data in decoded if len(data) <= MAX_RECORD_BYTES]
        self._append(stream, accepted)
        responses = [{"RecordId": _record_id()} if len(data) <= MAX_RECORD_BYTES else {
            "ErrorCode": "InvalidArgumentException",
            "ErrorMessage": f"Record size {len(data)} bytes exceeds the {MAX_RECORD_BYTES}-byte limit"}
            for data in decoded]
        return {"FailedPutCount": len(decoded) - len(accepted), "Encrypted": False, "RequestResponses": responses}

    # Local-only administration

    def flush(self, name: str | None = None, timeout_s: float = 60.0) -> dict[str, Any]:
        """Seal every buffer (of one stream or all) and wait until all sealed buffers are delivered."""
        with self._lock:
            names = [name] if name else list(self._streams)
            for stream_name in names:
                self._stream(stream_name)
                self._buffers[stream_name].seal_all()
            self._delivered.notify_all()
            deadline = time.monotonic() + timeout_s
            while any(self._buffers[n].sealed() for n in names if n in self._buffers):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    pending = sum(len(self._buffers[n].sealed()) for n in names if n in self._buffers)
                    raise FirehoseApiError("ServiceUnavailableException",
                                           f"{pending} buffers still undelivered after {timeout_s:.0f} s; see the "
                                           "Firehose service log for the S3 error", status=503)
                self._delivered.wait(min(remaining, TICK_S))
        return {"DeliveryStreams": names, "Stats": {n: dict(self.stats[n]) for n in names if n in self.stats}}

    def _stream(self, name: str) -> DeliveryStream:
        stream = self._streams.get(name)
        if stream is None:
            raise not_found(name, ACCOUNT_ID)
        return stream

    def _append(self, stream: DeliveryStream, records: list[bytes]) -> None:
        arrival_ms = int(time.time() * 1000)
        items: list[tuple[Partition, bytes]] = []
        for data in records:
            try:
                keys = stream.partition_keys(data)
            except PartitioningFailed as exc:
                with self._lock:
                    self.stats[stream.name]["records_failed_partitioning"] += 1
                line = delivery.error_record(data, arrival_ms, "DynamicPartitioning.MetadataExtractionFailed", str(exc))
                items.append((Partition(error_output_type="partitioning-failed"), line))
                continue
            items.append((Partition(tuple(sorted(keys.items())) if keys else ()), data))
        self._buffers[stream.name].append(items, arrival_ms)
        with self._lock:
            self.stats[stream.name]["records_in"] += len(records)
            self.stats[stream.name]["bytes_in"] += sum(len(data) for data in records)

    # Delivery thread

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self._deliver_ready()
                failures = 0
                wait_s = TICK_S
            except Exception as exc:  # noqa: BLE001 - any S3 failure is retried; buffers stay on disk
                failures += 1
                wait_s = min(MAX_RETRY_DELAY_S, TICK_S * 2 ** failures)
                log.warning("delivery to S3 failed (%s consecutive); retrying in %.1f s: %s", failures, wait_s, exc)
                self._s3 = None
            self._stop.wait(wait_s)

    def _deliver_ready(self) -> None:
        now_ms = int(time.time() * 1000)
        with self._lock:
            streams = list(self._streams.values())
        for stream in streams:
            buffers = self._buffers.get(stream.name)
            if buffers is None:
                continue
            buffers.seal_expired(now_ms)
            for segment in buffers.sealed():
                self._deliver(stream, segment)

    def _deliver(self, stream: DeliveryStream, segment: Path) -> None:
        key, body, count = delivery.build_object(stream, segment)
        if self._s3 is None:
            self._s3 = self._s3_factory()
        self._s3.put_object(Bucket=stream.bucket, Key=key, Body=body)
        segment.unlink()
        log.info("delivered %s records to s3://%s/%s", count, stream.bucket, key)
        with self._lock:
            self.stats[stream.name]["records_delivered"] += count
            self.stats[stream.name]["objects_delivered"] += 1
            self._delivered.notify_all()


def _decode(data: Any) -> bytes:
    if not isinstance(data, str):
        raise validation("Record.Data is missing; it must be a base64-encoded blob")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise validation("Record.Data is not valid base64") from None


def _record_id() -> str:
    return uuid.uuid4().hex + uuid.uuid4().hex
