"""Validation of campaign events (`event_id`, `campaign_id`, `customer_id`, `event_type`, `channel`, `ts`).

Producers vary the form of valid values, and each form is normalised. `event_type` and `channel` are
trimmed and lower-cased, a decimal `customer_id` string becomes an integer, and `ts` may carry any UTC
offset or be epoch milliseconds. The campaign id is only checked to be present: whether the campaign exists is known
to the source database, so the curated-zone job checks it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, NamedTuple

EVENT_TYPES = frozenset({"sent", "open", "click"})
CHANNELS = frozenset({"email"})
MAX_BIGINT = 2**63 - 1
# Epoch milliseconds accepted for `ts`: years 2000 to 2100.
MIN_EPOCH_MS = 946_684_800_000
MAX_EPOCH_MS = 4_102_444_800_000


class InvalidEvent(ValueError):
    """The record is not a valid campaign event; the message names the field and the reason."""


class CampaignEvent(NamedTuple):
    """A validated event, with `ts` normalised to UTC ISO 8601 with `Z`."""

    event_id: str
    campaign_id: str
    customer_id: int
    event_type: str
    channel: str
    ts: str
    dt: str


def parse_event(data: bytes) -> CampaignEvent:
    """Decode and validate one Kinesis record's data; raise InvalidEvent."""
    try:
        document = json.loads(data)
    except ValueError as exc:
        raise InvalidEvent(f"data is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InvalidEvent(f"data is a JSON {type(document).__name__}, expected an object")

    event_id = _text(document, "event_id")
    campaign_id = _text(document, "campaign_id")
    customer_id = _customer_id(document.get("customer_id"))
    event_type = _text(document, "event_type").strip().lower()
    if event_type not in EVENT_TYPES:
        raise InvalidEvent(f"event_type {event_type!r} is not one of {', '.join(sorted(EVENT_TYPES))}")
    channel = _text(document, "channel").strip().lower()
    if channel not in CHANNELS:
        raise InvalidEvent(f"channel {channel!r} is not one of {', '.join(sorted(CHANNELS))}")
    ts, dt = _timestamp(document.get("ts"))
    return CampaignEvent(event_id, campaign_id, customer_id, event_type, channel, ts, dt)


def _text(document: dict[str, Any], name: str) -> str:
    value = document.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidEvent(f"{name} is missing or not a non-empty string (got {value!r})")
    return value


def _customer_id(value: Any) -> int:
    if isinstance(value, str) and value.isdecimal():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_BIGINT:
        raise InvalidEvent(f"customer_id {value!r} is not a positive 64-bit integer")
    return value


def _timestamp(value: Any) -> tuple[str, str]:
    """Accept ISO 8601 with a UTC offset or `Z`, or epoch milliseconds as an integer."""
    if isinstance(value, int) and not isinstance(value, bool) and MIN_EPOCH_MS <= value <= MAX_EPOCH_MS:
        moment = datetime.fromtimestamp(value / 1000, tz=UTC)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidEvent(f"ts {value!r} is not ISO 8601") from None
        if moment.tzinfo is None:
            raise InvalidEvent(f"ts {value!r} has no UTC offset; expected UTC with Z")
    else:
        raise InvalidEvent(f"ts {value!r} is missing, or neither ISO 8601 text nor epoch milliseconds")
    moment = moment.astimezone(UTC)
    fraction = f".{moment.microsecond // 1000:03d}" if moment.microsecond else ""
    return f"{moment:%Y-%m-%dT%H:%M:%S}{fraction}Z", f"{moment:%Y-%m-%d}"
