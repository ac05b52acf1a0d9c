"""The replication task's configuration, read from the same JSON files an AWS DMS task uses.

`config/` holds four documents: `table-mappings.json` (selection rules),
`task-settings.json`, `source-endpoint.json` (PostgreSQLSettings) and
`target-endpoint.json` (S3Settings). The replicator reads the settings that
change the files it writes and rejects values it cannot honour, so a file that
works here means the same thing to AWS DMS.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from services.dms.errors import ConfigError

CONFIG_DIR = Path(__file__).resolve().parent / "config"
CONFIG_FILES = ("table-mappings.json", "task-settings.json", "source-endpoint.json", "target-endpoint.json")

DATA_FORMATS = ("parquet", "csv")
COMPRESSION_TYPES = ("NONE", "GZIP")
PLUGINS = ("test_decoding",)
SLOT_NAME = re.compile(r"[a-z0-9_]{1,63}")
DATE_PARTITION_SEQUENCES = ("YYYYMMDD", "YYYYMMDDHH", "YYYYMM", "MMYYYYDD", "DDMMYYYY")
DATE_PARTITION_DELIMITERS = {"SLASH": "/", "UNDERSCORE": "_", "DASH": "-", "NONE": ""}

# S3Settings keys that have no effect on the files this replicator writes.
IGNORED_S3_KEYS = {"ParquetVersion", "EnableStatistics", "EncodingType", "DictPageSizeLimit", "RowGroupLength",
                   "DataPageSize", "ServiceAccessRoleArn", "BucketName", "ExpectedBucketOwner", "EncryptionMode",
                   "ServerSideEncryptionKmsKeyId", "CannedAclForObjects", "Rfc4180"}
# S3Settings keys whose non-default values would change the output in ways not implemented here.
UNSUPPORTED_S3_VALUES: dict[str, Any] = {"CdcInsertsOnly": False, "CdcInsertsAndUpdates": False,
                                         "ParquetTimestampInMillisecond": False, "PreserveTransactions": False,
                                         "UseTaskStartTimeForFullLoadTimestamp": False}


@dataclass(frozen=True)
class S3Target:
    """The S3Settings of the target endpoint that shape file names and contents."""

    bucket_folder: str = "dms"
    data_format: str = "parquet"
    compression: str = "NONE"
    timestamp_column: str = "dms_commit_ts"
    include_op_for_full_load: bool = False
    cdc_max_batch_interval_s: float = 60.0
    cdc_min_file_size_kb: int = 32000
    max_file_size_kb: int = 1048576
    csv_delimiter: str = ","
    csv_row_delimiter: str = "\n"
    csv_null_value: str = ""
    add_column_name: bool = False
    date_partition_enabled: bool = False
    date_partition_sequence: str = "YYYYMMDD"
    date_partition_delimiter: str = "SLASH"

    @property
    def file_suffix(self) -> str:
        suffix = f".{self.data_format}"
        if self.data_format == "csv" and self.compression == "GZIP":
            suffix += ".gz"
        return suffix


@dataclass(frozen=True)
class SelectionRule:
    """One `selection` rule of table-mappings: `%` matches any run of characters, `_` one character."""

    rule_id: str
    schema_pattern: str
    table_pattern: str
    action: str


@dataclass(frozen=True)
class ReplicatorConfig:
    """Everything the replicator reads from the task's JSON files, plus the source database."""

    rules: tuple[SelectionRule, ...]
    target: S3Target
    slot_name: str = "shoplake_dms"
    plugin: str = "test_decoding"
    database: str | None = None
    reload_deletes_previous_files: bool = True
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def with_target(self, **changes: Any) -> ReplicatorConfig:
        """Return a copy with some S3Settings changed (tests and benchmarks use this)."""
        return replace(self, target=replace(self.target, **changes))


def load_config(config_dir: Path | None = None, **overrides: Any) -> ReplicatorConfig:
    """Read and validate the four JSON documents in `config_dir` (default: the checked-in ones)."""
    folder = Path(config_dir) if config_dir else CONFIG_DIR
    documents = {name: _read_json(folder / name) for name in CONFIG_FILES}
    config = ReplicatorConfig(
        rules=parse_table_mappings(documents["table-mappings.json"]),
        target=parse_s3_settings(documents["target-endpoint.json"].get("S3Settings", {})),
        **_parse_source_endpoint(documents["source-endpoint.json"]),
        reload_deletes_previous_files=_parse_task_settings(documents["task-settings.json"]),
        raw=documents,
    )
    return replace(config, **overrides) if overrides else config


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"replication config file {path} not found; copy it from {CONFIG_DIR}")
    try:
        document = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ConfigError(f"invalid JSON in {path}: {exc}") from exc
    if not isinstance(document, dict):
        raise ConfigError(f"invalid replication config {path}: expected a JSON object at the top level")
    return document


def parse_table_mappings(document: dict[str, Any]) -> tuple[SelectionRule, ...]:
    """Return the selection rules; transformation rules are rejected because no renaming is implemented."""
    rules = []
    for rule in document.get("rules", []):
        rule_type = rule.get("rule-type")
        if rule_type != "selection":
            raise ConfigError(f"table-mappings rule {rule.get('rule-id')!r} has rule-type {rule_type!r}; "
                              "only 'selection' rules are supported by the local replicator")
        if rule.get("filters"):
            raise ConfigError(f"table-mappings rule {rule.get('rule-id')!r} has source filters; "
                              "remove them (row filters are not supported by the local replicator)")
        locator = rule.get("object-locator", {})
        action = rule.get("rule-action")
        if action not in ("include", "exclude"):
            raise ConfigError(f"table-mappings rule {rule.get('rule-id')!r} has rule-action {action!r}; "
                              "expected 'include' or 'exclude'")
        rules.append(SelectionRule(str(rule.get("rule-id")), locator.get("schema-name", "%"),
                                   locator.get("table-name", "%"), action))
    if not any(rule.action == "include" for rule in rules):
        raise ConfigError("table-mappings has no 'include' selection rule, so no table would be replicated")
    return tuple(rules)


def parse_s3_settings(settings: dict[str, Any]) -> S3Target:
    """Map DMS S3Settings keys to an `S3Target`, rejecting unknown keys and unsupported values."""
    for key, default in UNSUPPORTED_S3_VALUES.items():
        if settings.get(key, default) != default:
            raise ConfigError(f"S3Settings {key} = {settings[key]!r} is not supported by the local replicator; "
                              f"remove it or set it to {default!r}")
    known = {"BucketFolder", "DataFormat", "CompressionType", "TimestampColumnName", "IncludeOpForFullLoad",
             "CdcMaxBatchInterval", "CdcMinFileSize", "MaxFileSize", "CsvDelimiter", "CsvRowDelimiter",
             "CsvNullValue", "AddColumnName", "DatePartitionEnabled", "DatePartitionSequence",
             "DatePartitionDelimiter"} | IGNORED_S3_KEYS | set(UNSUPPORTED_S3_VALUES)
    unknown = sorted(set(settings) - known)
    if unknown:
        raise ConfigError(f"unknown S3Settings key(s) {', '.join(unknown)} in target-endpoint.json; "
                          f"supported keys: {', '.join(sorted(known))}")

    target = S3Target(
        bucket_folder=str(settings.get("BucketFolder", "")).strip("/"),
        data_format=str(settings.get("DataFormat", "csv")).lower(),
        compression=str(settings.get("CompressionType", "NONE")).upper(),
        timestamp_column=str(settings.get("TimestampColumnName", "")),
        include_op_for_full_load=bool(settings.get("IncludeOpForFullLoad", False)),
        cdc_max_batch_interval_s=float(settings.get("CdcMaxBatchInterval", 60)),
        cdc_min_file_size_kb=int(settings.get("CdcMinFileSize", 32000)),
        max_file_size_kb=int(settings.get("MaxFileSize", 1048576)),
        csv_delimiter=str(settings.get("CsvDelimiter", ",")),
        csv_row_delimiter=str(settings.get("CsvRowDelimiter", "\n")),
        csv_null_value=str(settings.get("CsvNullValue", "")),
        add_column_name=bool(settings.get("AddColumnName", False)),
        date_partition_enabled=bool(settings.get("DatePartitionEnabled", False)),
        date_partition_sequence=str(settings.get("DatePartitionSequence", "YYYYMMDD")).upper(),
        date_partition_delimiter=str(settings.get("DatePartitionDelimiter", "SLASH")).upper(),
    )
    _check_target(target)
    return target


def _check_target(target: S3Target) -> None:
    if target.data_format not in DATA_FORMATS:
        raise ConfigError(f"S3Settings DataFormat {target.data_format!r} is invalid; expected one of {DATA_FORMATS}")
    if target.compression not in COMPRESSION_TYPES:
        raise ConfigError(f"S3Settings CompressionType {target.compression!r} is invalid; "
                          f"expected one of {COMPRESSION_TYPES}")
    if target.cdc_max_batch_interval_s <= 0 or target.cdc_min_file_size_kb <= 0 or target.max_file_size_kb <= 0:
        raise ConfigError("S3Settings CdcMaxBatchInterval, CdcMinFileSize and MaxFileSize must be positive")
    if target.date_partition_sequence not in DATE_PARTITION_SEQUENCES:
        raise ConfigError(f"S3Settings DatePartitionSequence {target.date_partition_sequence!r} is invalid; "
                          f"expected one of {DATE_PARTITION_SEQUENCES}")
    if target.date_partition_delimiter not in DATE_PARTITION_DELIMITERS:
        raise ConfigError(f"S3Settings DatePartitionDelimiter {target.date_partition_delimiter!r} is invalid; "
                          f"expected one of {tuple(DATE_PARTITION_DELIMITERS)}")
    if target.data_format == "csv" and len(target.csv_delimiter) != 1:
        raise ConfigError(f"S3Settings CsvDelimiter {target.csv_delimiter!r} must be one character")


def _parse_source_endpoint(document: dict[str, Any]) -> dict[str, Any]:
    settings = document.get("PostgreSQLSettings", {})
    plugin = settings.get("PluginName", "test_decoding")
    if plugin not in PLUGINS:
        raise ConfigError(f"PostgreSQLSettings PluginName {plugin!r} is not supported; use 'test_decoding'")
    slot = settings.get("SlotName", "shoplake_dms")
    # PostgreSQL's rule for slot names (ASCII only, at most NAMEDATALEN - 1 bytes); the name goes into SQL text.
    if not isinstance(slot, str) or not SLOT_NAME.fullmatch(slot):
        raise ConfigError(f"PostgreSQLSettings SlotName {slot!r} is invalid; "
                          "use 1 to 63 lower-case ASCII letters, digits and underscores")
    return {"slot_name": slot, "plugin": plugin, "database": document.get("DatabaseName")}


def _parse_task_settings(document: dict[str, Any]) -> bool:
    """Return whether a full load deletes the files of a previous load (TargetTablePrepMode)."""
    mode = document.get("FullLoadSettings", {}).get("TargetTablePrepMode", "DROP_AND_CREATE")
    if mode not in ("DROP_AND_CREATE", "TRUNCATE_BEFORE_LOAD", "DO_NOTHING"):
        raise ConfigError(f"task-settings FullLoadSettings.TargetTablePrepMode {mode!r} is invalid; "
                          "expected DROP_AND_CREATE, TRUNCATE_BEFORE_LOAD or DO_NOTHING")
    return mode != "DO_NOTHING"
