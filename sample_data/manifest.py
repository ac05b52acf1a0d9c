"""The ground-truth manifest: what was planted, per kind, and the expected clean results.

Every figure is defined in docs/contracts.md, section "Ground-truth manifest".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sample_data import config
from sample_data.access_logs import rules
from sample_data.access_logs.sessions import Hit
from sample_data.campaign_events import CampaignStream
from sample_data.catalog import QUARANTINED_KINDS, Catalog
from sample_data.config import Plan
from sample_data.fx import USD_RATES, to_usd
from sample_data.transactions import Payment, Transactions
from sample_data.universe import Universe

MANIFEST_VERSION = 1


def build_manifest(plan: Plan, universe: Universe, transactions: Transactions, stream: CampaignStream,
                   hits: list[Hit], log_planted: dict[str, int], file_count: int, catalog: Catalog,
                   settings_names: dict[str, str]) -> dict[str, Any]:
    """Return the manifest (without the `run` section, which the caller adds)."""
    return {
        "manifest_version": MANIFEST_VERSION,
        "seed": plan.seed,
        "scale": plan.scale,
        "window": {"start": plan.start.isoformat(), "days": plan.days, "dates": [d.isoformat() for d in plan.dates]},
        "targets": settings_names,
        "fx_usd_rates": {currency: str(rate) for currency, rate in USD_RATES.items()},
        "configured_rates": {
            "access_logs": config.ACCESS_LOG_FAULT_RATES | {"cut_last_line_per_file": config.CUT_LAST_LINE_FILE_RATE},
            "catalog": config.CATALOG_FAULT_RATES,
            "source_db": config.SOURCE_FAULT_RATES,
            "campaign_events": config.CAMPAIGN_EVENT_FAULT_RATES,
        },
        "access_logs": _access_logs(plan, hits, log_planted, file_count),
        "catalog": _catalog(catalog, universe),
        "source_db": _source_db(universe, transactions),
        "campaign_events": _campaign_events(stream, universe),
        "expected": {
            "distinct_customers": len(universe.customers),
            "distinct_customer_emails": len({c.email.strip().lower() for c in universe.customers}),
            "customers_with_orders": len({o.customer_id for o in transactions.orders}),
            "orders": len(transactions.orders),
            "revenue_per_day": revenue_per_day(plan, transactions.payments),
            **_traffic_per_day(plan, hits),
            "campaigns": _campaign_figures(stream, universe),
        },
    }


def _access_logs(plan: Plan, hits: list[Hit], planted: dict[str, int], file_count: int) -> dict[str, Any]:
    return {
        "files": file_count,
        "lines": len(hits),
        "bot_lines": sum(1 for hit in hits if rules.is_bot(hit.user_agent)),
        "planted": dict(sorted(planted.items())),
    }


def _catalog(catalog: Catalog, universe: Universe) -> dict[str, Any]:
    return {
        "files": {f.key: {"dialect": f.dialect, "data_rows": len(f.rows)} for f in catalog.files},
        "distinct_products": len(universe.products),
        "quarantined_rows": sum(catalog.planted[kind] for kind in QUARANTINED_KINDS),
        "rejected_files": [f.key for f in catalog.files if f.dialect == "legacy"],
        "price_updates": catalog.price_updates,
        "planted": dict(sorted(catalog.planted.items())),
    }


def _source_db(universe: Universe, transactions: Transactions) -> dict[str, Any]:
    payments = transactions.payments
    coupons = Counter(coupon_kind(payment.coupon_code) for payment in payments)
    return {
        "rows": {"customers": len(universe.customers), "campaigns": len(universe.campaigns),
                 "orders": len(transactions.orders), "order_lines": len(transactions.lines), "payments": len(payments)},
        "orders_by_status": dict(sorted(Counter(o.status for o in transactions.orders).items())),
        "payments_by_status": dict(sorted(Counter(p.status for p in payments).items())),
        "coupon_code_values": dict(sorted(coupons.items())),
        "planted": dict(sorted((universe.planted | transactions.planted).items())),
    }


def _campaign_events(stream: CampaignStream, universe: Universe) -> dict[str, Any]:
    return {
        "interactions": len(stream.events),
        "records": len(stream.records),
        "valid_interactions": sum(1 for event in stream.events if event.is_valid),
        "planted": dict(sorted(stream.planted.items())),
    }


def coupon_kind(value: str | None) -> str:
    """Return `null`, `empty_string`, `none_text` (the text 'None') or `code`; the first three stay distinct."""
    if value is None:
        return "null"
    if value == "":
        return "empty_string"
    return "none_text" if value == "None" else "code"


def revenue_per_day(plan: Plan, payments: list[Payment]) -> dict[str, dict[str, Any]]:
    """CAPTURED minus REFUNDED payment amounts per UTC day of `paid_at`, per currency and in USD."""
    by_day: dict[str, dict[str, Decimal]] = {d.isoformat(): defaultdict(Decimal) for d in plan.dates}
    usd: dict[str, Decimal] = {d.isoformat(): Decimal("0.00") for d in plan.dates}
    for payment in payments:
        sign = {"CAPTURED": 1, "REFUNDED": -1}.get(payment.status)
        if sign is None:
            continue
        day = payment.paid_at.astimezone(UTC).date().isoformat()
        by_day.setdefault(day, defaultdict(Decimal))
        usd.setdefault(day, Decimal("0.00"))
        by_day[day][payment.currency] += sign * payment.amount
        usd[day] += sign * to_usd(payment.amount, payment.currency)
    return {day: {"by_currency": {c: str(v) for c, v in sorted(by_day[day].items())}, "usd": str(usd[day])}
            for day in sorted(by_day)}


def _traffic_per_day(plan: Plan, hits: list[Hit]) -> dict[str, dict[str, int]]:
    figures: dict[str, dict[str, int]] = {
        "page_views_per_day": {d.isoformat(): 0 for d in plan.dates},
        "click_events_per_day": {d.isoformat(): 0 for d in plan.dates},
        "campaign_clicks_per_day": {d.isoformat(): 0 for d in plan.dates},
    }
    for hit in hits:
        if hit.cut:
            continue
        kind = rules.counted_event(hit.method, hit.target, hit.status, hit.user_agent)
        if kind is None:
            continue
        day = datetime.fromtimestamp(hit.ts, UTC).date().isoformat()
        figures["page_views_per_day" if kind == "page_view" else "click_events_per_day"][day] += 1
        if kind == "click" and hit.target and "utm_campaign=" in hit.target:
            figures["campaign_clicks_per_day"][day] += 1
    return figures


def _campaign_figures(stream: CampaignStream, universe: Universe) -> dict[str, dict[str, int]]:
    figures = {c.campaign_id: {"sent": 0, "opens": 0, "click_throughs": 0} for c in universe.campaigns}
    names = {"sent": "sent", "open": "opens", "click": "click_throughs"}
    for event in stream.events:
        if event.is_valid:
            figures[event.campaign_id][names[event.event_type]] += 1
    return figures
