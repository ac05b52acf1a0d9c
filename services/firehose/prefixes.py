"""S3 key layout of delivered objects: `<evaluated prefix><stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><ext>`.

Prefix expressions follow Firehose's custom prefixes: `!{timestamp:<Java DateTimeFormatter pattern>}`,
`!{firehose:error-output-type}`, `!{firehose:random-string}` and `!{partitionKeyFromQuery:<key>}`.
Timestamps are the approximate arrival time (UTC) of the oldest record in the object. An empty
prefix means the default `yyyy/MM/dd/HH/`; a prefix without expressions gets `yyyy/MM/dd/HH/` appended.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from services.firehose.errors import invalid_argument

EXPRESSION = re.compile(r"!\{([A-Za-z]+):([^}]*)\}")
DEFAULT_TIME_PREFIX = "!{timestamp:yyyy/MM/dd/HH/}"
# NOTE: AWS documents the default error prefix only loosely; this service writes error objects under
# `<error-output-type>/yyyy/MM/dd/HH/` after the plain prefix when ErrorOutputPrefix is not set.
DEFAULT_ERROR_SUFFIX = "!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH/}"
_PATTERN_TOKEN = re.compile(r"'([^']*)'|([A-Za-z])\2*|([^A-Za-z']+)")
_TIME_FIELDS = {"y": "year", "M": "month", "d": "day", "H": "hour", "m": "minute", "s": "second"}
MAX_PREFIX_LENGTH = 512


def has_expressions(prefix: str) -> bool:
    return EXPRESSION.search(prefix) is not None


def validate_prefixes(prefix: str, error_prefix: str, partition_keys: tuple[str, ...]) -> None:
    """Apply Firehose's rules for Prefix and ErrorOutputPrefix; raise InvalidArgumentException."""
    for text, name in ((prefix, "Prefix"), (error_prefix, "ErrorOutputPrefix")):
        for namespace, value in EXPRESSION.findall(text):
            _check_expression(namespace, value, name, partition_keys)
    if "!{firehose:error-output-type}" in prefix:
        raise invalid_argument("Prefix cannot contain !{firehose:error-output-type}; use it in ErrorOutputPrefix")
    if "partitionKeyFrom" in error_prefix:
        raise invalid_argument("ErrorOutputPrefix cannot contain partitionKeyFromQuery or partitionKeyFromLambda")
    if has_expressions(prefix) and not error_prefix:
        raise invalid_argument("ErrorOutputPrefix is required when Prefix contains expressions")
    if partition_keys and not all(f"!{{partitionKeyFromQuery:{key}}}" in prefix for key in partition_keys):
        raise invalid_argument(f"Prefix must use every partition key of the metadata extraction query: "
                               f"{', '.join(partition_keys)}")


def _check_expression(namespace: str, value: str, field: str, partition_keys: tuple[str, ...]) -> None:
    if namespace == "timestamp":
        format_time(datetime(2000, 1, 1), value)
    elif namespace == "firehose":
        if value not in ("error-output-type", "random-string"):
            raise invalid_argument(f"{field}: unknown firehose expression !{{firehose:{value}}}")
    elif namespace == "partitionKeyFromQuery":
        if value not in partition_keys:
            raise invalid_argument(f"{field}: partition key {value!r} is not produced by the metadata extraction "
                                   "query (or dynamic partitioning is disabled)")
    elif namespace == "partitionKeyFromLambda":
        raise invalid_argument(f"{field}: partitionKeyFromLambda is not supported by the local Firehose service")
    else:
        raise invalid_argument(f"{field}: unknown expression namespace {namespace!r}")


def format_time(moment: datetime, pattern: str) -> str:
    """Format `moment` with a Java DateTimeFormatter pattern (letters y, M, d, H, m, s and quoted text)."""
    parts = []
    for token in _PATTERN_TOKEN.finditer(pattern):
        quoted, letter, literal = token.groups()
        if letter:
            parts.append(_time_field(moment, letter, len(token.group())))
        else:
            parts.append(quoted if quoted is not None else literal)
    return "".join(parts)


def _time_field(moment: datetime, letter: str, width: int) -> str:
    if letter not in _TIME_FIELDS:
        raise invalid_argument(f"timestamp pattern letter {letter!r} is not supported by the local Firehose service "
                               "(use y, M, d, H, m, s)")
    value = getattr(moment, _TIME_FIELDS[letter])
    if letter == "y" and width == 2:
        return f"{value % 100:02d}"
    return f"{value:0{width}d}"


def evaluate(template: str, arrival: datetime, partition_keys: Mapping[str, str] | None = None,
             error_output_type: str | None = None, random_string: str = "") -> str:
    """Return `template` with every expression replaced; every timestamp uses the same instant."""
    def replace(match: re.Match[str]) -> str:
        namespace, value = match.groups()
        if namespace == "timestamp":
            return format_time(arrival, value)
        if namespace == "firehose":
            return (error_output_type or "") if value == "error-output-type" else random_string
        return (partition_keys or {})[value]

    return EXPRESSION.sub(replace, template)


def data_prefix(prefix: str) -> str:
    """Return the prefix template used for delivered data, with Firehose's defaults applied."""
    if not prefix:
        return DEFAULT_TIME_PREFIX
    return prefix if has_expressions(prefix) else prefix + DEFAULT_TIME_PREFIX


def error_prefix(prefix: str, error_output_prefix: str) -> str:
    """Return the prefix template used for records that failed processing or partitioning."""
    if error_output_prefix:
        return error_output_prefix
    return ("" if has_expressions(prefix) else prefix) + DEFAULT_ERROR_SUFFIX


def object_suffix(stream: str, version: str, arrival: datetime, uuid_text: str, extension: str) -> str:
    """Return `<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><extension>`."""
    return f"{stream}-{version}-{arrival:%Y-%m-%d-%H-%M-%S}-{uuid_text}{extension}"
