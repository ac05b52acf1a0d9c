"""Marketing-campaign interactions (sent, open, click) as the JSON records sent to Kinesis.

The run has exactly `campaign_interactions` distinct events. Planted duplicate
deliveries (the same record sent again, as a producer retry does) come on top,
so the stream holds `interactions + duplicate_delivery` records.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from sample_data.config import CAMPAIGN_EVENT_FAULT_RATES, Plan, planted_count, seeded_rng
from sample_data.timeline import InstantSampler
from sample_data.universe import Universe

OPEN_PROBABILITY = 0.4
CLICK_PROBABILITY = 0.3
UNKNOWN_CAMPAIGN_IDS = ["C-999", "C-000", "spring-legacy"]
# Kinds that make an event invalid: it is quarantined and counts in no campaign figure.
INVALID_KINDS = ("missing_customer_id", "unknown_campaign", "malformed_json")
PAYLOAD_KINDS = ("event_type_case_variant", "ts_offset_variant", "ts_epoch_millis", "customer_id_as_string",
                 "missing_customer_id", "unknown_campaign", "malformed_json")


@dataclass
class CampaignEvent:
    event_id: str
    campaign_id: str
    customer_id: int
    event_type: str
    ts: int
    send_key: float = 0.0
    faults: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not any(kind in self.faults for kind in INVALID_KINDS)


@dataclass
class StreamRecord:
    """One PutRecords entry: the payload bytes and the partition key."""

    event: CampaignEvent
    data: bytes
    partition_key: str
    is_duplicate: bool


@dataclass
class CampaignStream:
    events: list[CampaignEvent]
    records: list[StreamRecord]
    planted: dict[str, int]


def build_campaign_stream(plan: Plan, universe: Universe) -> CampaignStream:
    """Generate the run's events, plant faults and return the records in send order."""
    rng = seeded_rng(plan.seed, "campaign-events")
    events = _events(plan, universe, rng)
    planted = _plant_payload_faults(events, rng)
    planted["late_event"] = _delay_late_events(events, rng)
    records, duplicates = _records_in_send_order(events, rng)
    planted["duplicate_delivery"] = duplicates
    return CampaignStream(events, records, planted)


def _events(plan: Plan, universe: Universe, rng: random.Random) -> list[CampaignEvent]:
    quota = plan.volumes.campaign_interactions
    sampler = InstantSampler(plan, rng)
    send_slots = {c.campaign_id: _send_slots(plan, c.start_date, c.end_date, rng) for c in universe.campaigns}
    events: list[CampaignEvent] = []

    while len(events) < quota:
        campaign = universe.campaigns[len(events) % len(universe.campaigns)]
        customer = rng.choice(universe.customers)
        sent_at = sampler.clamp(rng.choice(send_slots[campaign.campaign_id]) + rng.randrange(3600))
        chain = [("sent", sent_at)]
        if rng.random() < OPEN_PROBABILITY:
            opened_at = sampler.clamp(sent_at + 60 + int(rng.expovariate(1 / 10_800)))
            chain.append(("open", opened_at))
            if rng.random() < CLICK_PROBABILITY:
                chain.append(("click", sampler.clamp(opened_at + rng.randint(5, 600))))
        for event_type, ts in chain[: quota - len(events)]:
            event_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            events.append(CampaignEvent(event_id, campaign.campaign_id, customer.customer_id, event_type, ts))

    events.sort(key=lambda event: (event.ts, event.event_id))
    return events


def _send_slots(plan: Plan, first: object, last: object, rng: random.Random) -> list[int]:
    """Return one send hour per window day on which the campaign runs (any window day if none)."""
    days = [day for day in plan.dates if first <= day <= last] or plan.dates  # type: ignore[operator]
    hour = rng.randint(7, 10)
    return [int(datetime(day.year, day.month, day.day, hour, tzinfo=UTC).timestamp()) for day in days]


def _plant_payload_faults(events: list[CampaignEvent], rng: random.Random) -> dict[str, int]:
    available = list(range(len(events)))
    rng.shuffle(available)
    planted = {}
    for kind in PAYLOAD_KINDS:
        count = planted_count(CAMPAIGN_EVENT_FAULT_RATES[kind], len(events))
        chosen, available = available[:count], available[count:]
        for index in chosen:
            events[index].faults.append(kind)
        planted[kind] = len(chosen)
    return planted


def _delay_late_events(events: list[CampaignEvent], rng: random.Random) -> int:
    """Give every event a send position; late events are sent 1 to 6 hours after their time."""
    for event in events:
        event.send_key = event.ts + rng.random()
    late = rng.sample(events, planted_count(CAMPAIGN_EVENT_FAULT_RATES["late_event"], len(events)))
    for event in late:
        event.send_key += rng.randint(3_600, 6 * 3_600)
        event.faults.append("late_event")
    return len(late)


def _records_in_send_order(events: list[CampaignEvent], rng: random.Random) -> tuple[list[StreamRecord], int]:
    keyed = [(event.send_key, render_record(event, rng, is_duplicate=False)) for event in events]
    candidates = [event for event in events if "malformed_json" not in event.faults]
    duplicated = rng.sample(candidates, planted_count(CAMPAIGN_EVENT_FAULT_RATES["duplicate_delivery"], len(events)))
    by_id = {record.event.event_id: record for _, record in keyed}
    for event in duplicated:
        original = by_id[event.event_id]
        copy = StreamRecord(event, original.data, original.partition_key, is_duplicate=True)
        keyed.append((event.send_key + rng.randint(1, 900), copy))
    keyed.sort(key=lambda pair: pair[0])
    return [record for _, record in keyed], len(duplicated)


def render_record(event: CampaignEvent, rng: random.Random, is_duplicate: bool) -> StreamRecord:
    """Render the event's JSON payload (one object ending with a newline), applying its payload fault."""
    body: dict[str, object] = {
        "event_id": event.event_id,
        "campaign_id": event.campaign_id,
        "customer_id": event.customer_id,
        "event_type": event.event_type,
        "channel": "email",
        "ts": _iso_utc(event.ts),
    }
    faults = event.faults
    if "event_type_case_variant" in faults:
        body["event_type"] = rng.choice([event.event_type.upper(), f" {event.event_type.title()}", f"{event.event_type} "])
    if "ts_offset_variant" in faults:
        offset = timezone(timedelta(hours=rng.choice([1, 2, -5, 9])))
        body["ts"] = datetime.fromtimestamp(event.ts, offset).isoformat()
    if "ts_epoch_millis" in faults:
        body["ts"] = event.ts * 1000
    if "customer_id_as_string" in faults:
        body["customer_id"] = str(event.customer_id)
    if "missing_customer_id" in faults:
        body["customer_id"] = None
    if "unknown_campaign" in faults:
        body["campaign_id"] = rng.choice(UNKNOWN_CAMPAIGN_IDS)

    text = json.dumps(body, separators=(",", ":"))
    if "malformed_json" in faults:
        text = text[: len(text) // 2]
    return StreamRecord(event, (text + "\n").encode(), str(event.customer_id), is_duplicate)


def _iso_utc(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
