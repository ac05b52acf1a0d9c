"""Volumes and planted-fault rates of one generation run.

`scale` multiplies every volume, fractional scales included (0.05 gives 5,000
log lines). Each planted fault is planted exactly `round(rate * basis)` times
(at least once when the basis is not empty), so the planted rate is the
configured rate up to rounding.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

BASE_LOG_LINES = 100_000
BASE_ORDERS = 10_000
BASE_PRODUCTS = 1_000
BASE_CAMPAIGN_INTERACTIONS = 10_000
BASE_CUSTOMERS = 2_000
BASE_CAMPAIGNS = 20
DEFAULT_START = date(2026, 11, 2)
DEFAULT_DAYS = 3

# Fraction of all access-log lines; `cut_last_line` is a fraction of files.
ACCESS_LOG_FAULT_RATES = {
    "ipv6_client": 0.03,
    "ipv6_zone_suffix": 0.002,
    "ipv4_mapped_ipv6": 0.005,
    "invalid_host": 0.001,
    "escaped_quote_apache": 0.003,
    "escaped_quote_nginx": 0.003,
    "dash_status": 0.001,
    "dash_bytes": 0.01,
    "dash_request": 0.001,
    "http2_protocol": 0.15,
    "protocol_probe": 0.0005,
    "odd_utc_offset": 0.005,
    "oversized_line": 0.00003,
    "late_line": 0.005,
}
CUT_LAST_LINE_FILE_RATE = 0.1
OVERSIZED_TARGET_LENGTH = 1_100_000

# Fraction of products; duplicate and bad rows come on top of one row per product.
CATALOG_FAULT_RATES = {
    "multiline_description": 0.05,
    "doubled_quotes": 0.03,
    "missing_description": 0.02,
    "category_variant": 0.05,
    "exact_duplicate_row": 0.01,
    "near_duplicate_row": 0.01,
    "missing_price": 0.005,
    "invalid_price": 0.005,
    "missing_sku": 0.003,
}
LEGACY_FILE_ROW_RATE = 0.005
PRICE_UPDATE_RATE_PER_DAY = 0.02

# Fraction of customers, or of payments for the coupon kinds.
SOURCE_FAULT_RATES = {
    "email_format_variant": 0.03,
    "missing_city": 0.02,
    "missing_country": 0.01,
    "near_duplicate_customer": 0.01,
    "coupon_empty_string": 0.01,
    "coupon_none_text": 0.01,
}

# Fraction of campaign interactions; duplicate deliveries are sent on top.
CAMPAIGN_EVENT_FAULT_RATES = {
    "duplicate_delivery": 0.03,
    "late_event": 0.02,
    "event_type_case_variant": 0.02,
    "ts_offset_variant": 0.01,
    "ts_epoch_millis": 0.01,
    "customer_id_as_string": 0.01,
    "missing_customer_id": 0.005,
    "unknown_campaign": 0.005,
    "malformed_json": 0.003,
}


def planted_count(rate: float, basis: int) -> int:
    """Return how many records of `basis` get a fault planted at `rate`."""
    if basis <= 0 or rate <= 0:
        return 0
    return max(1, round(rate * basis))


@dataclass(frozen=True)
class Volumes:
    """Record counts of one run."""

    log_lines: int
    orders: int
    products: int
    campaign_interactions: int
    customers: int
    campaigns: int


@dataclass(frozen=True)
class Plan:
    """What one run generates: seed, scale, window and the volumes that follow from them."""

    seed: int
    scale: float
    start: date = DEFAULT_START
    days: int = DEFAULT_DAYS
    volumes: Volumes = field(init=False)

    def __post_init__(self) -> None:
        if self.scale <= 0:
            raise ValueError(f"invalid scale {self.scale}: expected a number above 0, such as 1, 0.05 or 10")
        if self.days < 1:
            raise ValueError(f"invalid days {self.days}: expected 1 or more")
        object.__setattr__(self, "volumes", volumes_for(self.scale))

    @property
    def window_start(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)

    @property
    def window_end(self) -> datetime:
        """First instant after the window (exclusive)."""
        return self.window_start + timedelta(days=self.days)

    @property
    def dates(self) -> list[date]:
        return [self.start + timedelta(days=offset) for offset in range(self.days)]

    @property
    def scale_label(self) -> str:
        """Scale as written in manifest keys: `1`, `10`, `0.05`."""
        return f"{self.scale:g}"


def manifest_key(seed: int, scale: float, name: str = "manifest.json") -> str:
    """Return the raw-zone key of the generator's `name` (manifest.json or changes.json) for `seed` and `scale`."""
    return f"_manifest/seed={seed}/scale={scale:g}/{name}"


def volumes_for(scale: float) -> Volumes:
    """Return the volumes at `scale`; every volume is at least 1 and customers and campaigns have floors."""
    def scaled(base: int, floor: int = 1) -> int:
        return max(floor, round(base * scale))

    return Volumes(
        log_lines=scaled(BASE_LOG_LINES, 100),
        orders=scaled(BASE_ORDERS, 10),
        products=scaled(BASE_PRODUCTS, 10),
        campaign_interactions=scaled(BASE_CAMPAIGN_INTERACTIONS, 20),
        customers=scaled(BASE_CUSTOMERS, 20),
        campaigns=scaled(BASE_CAMPAIGNS, 2),
    )


def seeded_rng(seed: int, stream: str) -> random.Random:
    """Return the generator of one named stream of the run: each source draws from its own stream,
    so changing one source's logic leaves the others' output unchanged."""
    return random.Random(f"{seed}:{stream}")  # noqa: S311 - reproducible sample data, not security
