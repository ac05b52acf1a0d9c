"""Delivery stream configuration: validation of CreateDeliveryStream input and the Describe output."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from services.firehose import prefixes
from services.firehose.errors import invalid_argument, validation

ACCOUNT_ID = "000000000000"
NAME_PATTERN = re.compile(r"[a-zA-Z0-9_.-]{1,64}")
BUCKET_ARN = re.compile(r"arn:[^:]*:s3:::([\w.\-]{1,255})")
SUPPORTED_COMPRESSION = {"UNCOMPRESSED": "", "GZIP": ".gz"}
DEFAULT_SIZE_MB = 5
DEFAULT_INTERVAL_S = 300
_QUERY = re.compile(r"\{\s*(.*?)\s*\}")
_QUERY_ITEM = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(\.[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")


class PartitioningFailed(ValueError):
    """A record is not JSON or lacks a partition key; its error output type is `partitioning-failed`."""


@dataclass
class DeliveryStream:
    """One delivery stream with an (Extended) S3 destination."""

    name: str
    region: str
    destination: dict[str, Any]
    created: float = field(default_factory=time.time)
    version: str = "1"
    extended: bool = True
    tags: list[dict[str, str]] = field(default_factory=list)

    @property
    def arn(self) -> str:
        return f"arn:aws:firehose:{self.region}:{ACCOUNT_ID}:deliverystream/{self.name}"

    @property
    def bucket(self) -> str:
        match = BUCKET_ARN.fullmatch(self.destination["BucketARN"])
        assert match is not None
        return match.group(1)

    @property
    def size_bytes(self) -> int:
        return int(self.destination["BufferingHints"]["SizeInMBs"]) * 1024 * 1024

    @property
    def interval_s(self) -> int:
        return int(self.destination["BufferingHints"]["IntervalInSeconds"])

    @property
    def extension(self) -> str:
        explicit = self.destination.get("FileExtension")
        return explicit if explicit else SUPPORTED_COMPRESSION[self.destination["CompressionFormat"]]

    @property
    def partition_query(self) -> list[tuple[str, list[str]]]:
        """Return the metadata extraction query as (key, JSON path) pairs; empty without dynamic partitioning."""
        return _partition_query(self.destination)

    @property
    def appends_delimiter(self) -> bool:
        return any(processor.get("Type") == "AppendDelimiterToRecord" for processor in _processors(self.destination))

    def partition_keys(self, data: bytes) -> dict[str, str] | None:
        """Return the record's partition keys, or None without dynamic partitioning; raise PartitioningFailed."""
        query = self.partition_query
        if not query:
            return None
        try:
            document = json.loads(data)
        except ValueError:
            raise PartitioningFailed("Non JSON record provided") from None
        keys = {}
        for key, path in query:
            value: Any = document
            for step in path:
                value = value.get(step) if isinstance(value, dict) else None
            if value is None or isinstance(value, dict | list):
                raise PartitioningFailed(f"partition key {key!r} is missing or not a scalar in the record")
            keys[key] = str(value).lower() if isinstance(value, bool) else str(value)
        return keys

    def description(self) -> dict[str, Any]:
        """Return the DeliveryStreamDescription of DescribeDeliveryStream."""
        destination = {key: value for key, value in self.destination.items() if key != "S3BackupConfiguration"}
        plain = {key: destination[key] for key in ("RoleARN", "BucketARN", "Prefix", "ErrorOutputPrefix",
                                                  "BufferingHints", "CompressionFormat", "EncryptionConfiguration")
                 if key in destination}
        entry: dict[str, Any] = {"DestinationId": "destinationId-000000000001", "S3DestinationDescription": plain}
        if self.extended:
            entry["ExtendedS3DestinationDescription"] = destination
        return {
            "DeliveryStreamName": self.name, "DeliveryStreamARN": self.arn, "DeliveryStreamStatus": "ACTIVE",
            "DeliveryStreamType": "DirectPut", "VersionId": self.version, "CreateTimestamp": self.created,
            "DeliveryStreamEncryptionConfiguration": {"Status": "DISABLED"},
            "Destinations": [entry], "HasMoreDestinations": False,
        }

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "region": self.region, "destination": self.destination, "created": self.created,
                "version": self.version, "extended": self.extended, "tags": self.tags}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DeliveryStream:
        return cls(**data)


def from_create_request(request: dict[str, Any], region: str) -> DeliveryStream:
    """Validate a CreateDeliveryStream request; raise InvalidArgumentException or ValidationException."""
    name = request.get("DeliveryStreamName", "")
    if not NAME_PATTERN.fullmatch(name):
        raise validation(f"Value {name!r} at 'deliveryStreamName' failed to satisfy constraint: "
                         "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ (1 to 64 characters)")
    stream_type = request.get("DeliveryStreamType", "DirectPut")
    if stream_type != "DirectPut":
        raise invalid_argument(f"DeliveryStreamType {stream_type} is not supported by the local Firehose service; "
                               "use DirectPut")
    extended = "ExtendedS3DestinationConfiguration" in request
    destination = dict(request.get("ExtendedS3DestinationConfiguration") or request.get("S3DestinationConfiguration")
                       or {})
    if not destination:
        raise invalid_argument("the local Firehose service supports S3 destinations only: give "
                               "ExtendedS3DestinationConfiguration or S3DestinationConfiguration")
    _normalise_destination(destination)
    return DeliveryStream(name=name, region=region, destination=destination, extended=extended,
                          tags=list(request.get("Tags", [])))


def _normalise_destination(destination: dict[str, Any]) -> None:
    if not BUCKET_ARN.fullmatch(destination.get("BucketARN", "")):
        raise invalid_argument(f"BucketARN {destination.get('BucketARN')!r} is not an S3 bucket ARN "
                               "(arn:aws:s3:::<bucket>)")
    destination.setdefault("RoleARN", f"arn:aws:iam::{ACCOUNT_ID}:role/firehose-local")
    hints = destination.setdefault("BufferingHints", {})
    hints.setdefault("SizeInMBs", DEFAULT_SIZE_MB)
    hints.setdefault("IntervalInSeconds", DEFAULT_INTERVAL_S)
    if not 1 <= int(hints["SizeInMBs"]) <= 128:
        raise invalid_argument(f"BufferingHints.SizeInMBs {hints['SizeInMBs']} is out of range 1 to 128")
    if not 0 <= int(hints["IntervalInSeconds"]) <= 900:
        raise invalid_argument(f"BufferingHints.IntervalInSeconds {hints['IntervalInSeconds']} is out of range 0 to 900")
    compression = destination.setdefault("CompressionFormat", "UNCOMPRESSED")
    if compression not in SUPPORTED_COMPRESSION:
        raise invalid_argument(f"CompressionFormat {compression} is not supported by the local Firehose service; "
                               f"use one of {', '.join(SUPPORTED_COMPRESSION)}")
    destination.setdefault("EncryptionConfiguration", {"NoEncryptionConfig": "NoEncryption"})
    destination.setdefault("Prefix", "")
    destination.setdefault("ErrorOutputPrefix", "")
    keys = tuple(key for key, _ in _partition_query(destination))
    prefixes.validate_prefixes(destination["Prefix"], destination["ErrorOutputPrefix"], keys)
    for processor in _processors(destination):
        if processor.get("Type") not in ("MetadataExtraction", "AppendDelimiterToRecord", "RecordDeAggregation"):
            raise invalid_argument(f"processor type {processor.get('Type')} is not supported by the local Firehose "
                                   "service (MetadataExtraction and AppendDelimiterToRecord are)")


def _processors(destination: dict[str, Any]) -> list[dict[str, Any]]:
    processing = destination.get("ProcessingConfiguration") or {}
    return list(processing.get("Processors", [])) if processing.get("Enabled", False) else []


def _partition_query(destination: dict[str, Any]) -> list[tuple[str, list[str]]]:
    if not (destination.get("DynamicPartitioningConfiguration") or {}).get("Enabled", False):
        return []
    for processor in _processors(destination):
        if processor.get("Type") != "MetadataExtraction":
            continue
        parameters = {item["ParameterName"]: item["ParameterValue"] for item in processor.get("Parameters", [])}
        query = parameters.get("MetadataExtractionQuery", "")
        match = _QUERY.fullmatch(query.strip())
        items = [item.strip() for item in match.group(1).split(",")] if match else []
        pairs = [_QUERY_ITEM.fullmatch(item) for item in items]
        if not items or not all(pairs):
            raise invalid_argument(f"MetadataExtractionQuery {query!r} is not supported by the local Firehose "
                                   "service; use the form {key:.field, other:.a.b}")
        return [(pair.group(1), pair.group(2)[1:].split(".")) for pair in pairs if pair]
    raise invalid_argument("dynamic partitioning is enabled but no MetadataExtraction processor is configured")
