"""The in-memory generators: exact volumes, determinism, referential integrity and planted rates."""

import csv
import io
import json
from collections import Counter
from decimal import Decimal

import pytest

from sample_data import config
from sample_data.access_logs.render import gzip_lines
from sample_data.changes import plan_changes, summarize
from sample_data.config import Plan
from sample_data.fx import USD_RATES, to_usd
from sample_data.generate import build_world
from sample_data.manifest import build_manifest


@pytest.fixture(scope="module")
def world():
    return build_world(Plan(42, 1))


@pytest.fixture(scope="module")
def small_world():
    return build_world(Plan(42, 0.05))


def _fingerprint(world):
    logs = [gzip_lines(hits) for hits in world.files.values()]
    catalog = [f.body for f in world.catalog.files]
    events = [record.data for record in world.stream.records]
    orders = [(o.order_id, o.customer_id, o.order_ts, o.status, o.total_amount, len(o.payments)) for o in world.transactions.orders]
    customers = [(c.customer_id, c.email, c.city) for c in world.universe.customers]
    return logs, catalog, events, orders, customers


def test_scale_one_volumes(world):
    assert len(world.hits) == 100_000
    assert len(world.transactions.orders) == 10_000
    assert len(world.universe.products) == 1_000
    assert len(world.stream.events) == 10_000
    assert len(world.stream.records) == 10_000 + world.stream.planted["duplicate_delivery"]
    assert len(world.universe.customers) == 2_000
    assert len(world.universe.campaigns) == 20


def test_fractional_scale_multiplies_volumes(small_world):
    assert len(small_world.hits) == 5_000
    assert len(small_world.transactions.orders) == 500
    assert len(small_world.universe.products) == 50
    assert len(small_world.stream.events) == 500


def test_same_seed_same_output(small_world):
    assert _fingerprint(build_world(Plan(42, 0.05))) == _fingerprint(small_world)


def test_other_seed_differs(small_world):
    other = _fingerprint(build_world(Plan(43, 0.05)))
    for part_other, part_small in zip(other, _fingerprint(small_world), strict=True):
        assert part_other != part_small


def test_referential_integrity(world):
    customers = {c.customer_id for c in world.universe.customers}
    campaigns = {c.campaign_id for c in world.universe.campaigns}
    products = {p.product_id for p in world.universe.products}
    for order in world.transactions.orders:
        assert order.customer_id in customers
        assert order.campaign_id is None or order.campaign_id in campaigns
        assert all(line.product_id in products for line in order.lines)
        assert order.total_amount == sum(line.unit_price * line.quantity for line in order.lines)
    for event in world.stream.events:
        if event.is_valid:
            assert event.customer_id in customers
            assert event.campaign_id in campaigns
    for hit in world.hits:
        if hit.user != "-":
            assert int(hit.user) in customers
        if hit.campaign_id is not None:
            assert hit.campaign_id in campaigns
        if hit.target and hit.target.startswith("/products/") and hit.status == 200:
            assert hit.target.removeprefix("/products/") in products


def test_log_fault_counts_match_rates(world):
    counted = Counter(kind for hit in world.hits for kind in hit.faults)
    for kind, rate in config.ACCESS_LOG_FAULT_RATES.items():
        expected = rate * len(world.hits)
        assert counted[kind] == world.log_planted[kind]
        assert abs(counted[kind] - expected) <= max(1, 0.1 * expected), kind
    files = len(world.files)
    assert abs(counted["cut_last_line"] - config.CUT_LAST_LINE_FILE_RATE * files) <= max(1, 0.1 * files * 0.1)


def test_campaign_fault_counts_match_rates(world):
    counted = Counter(kind for event in world.stream.events for kind in event.faults)
    for kind, rate in config.CAMPAIGN_EVENT_FAULT_RATES.items():
        if kind == "duplicate_delivery":
            actual = sum(record.is_duplicate for record in world.stream.records)
        else:
            actual = counted[kind]
        assert actual == world.stream.planted[kind]
        assert abs(actual - rate * 10_000) <= 0.1 * rate * 10_000, kind


def test_duplicate_deliveries_are_byte_identical(world):
    originals = {r.event.event_id: r.data for r in world.stream.records if not r.is_duplicate}
    duplicates = [r for r in world.stream.records if r.is_duplicate]
    assert duplicates
    assert all(originals[r.event.event_id] == r.data for r in duplicates)


def test_coupon_codes_keep_null_empty_and_none_text(world):
    values = Counter(p.coupon_code for p in world.transactions.payments)
    assert values[None] > 0
    assert values[""] == world.transactions.planted["coupon_empty_string"]
    assert values["None"] == world.transactions.planted["coupon_none_text"]


def test_catalog_dialects_parse(world):
    files = {f.key.rsplit("/", 1)[1]: f for f in world.catalog.files}
    erp = files["products_erp.csv"].body
    assert erp.startswith(b"\xef\xbb\xbf\"sku\",")
    assert b"\r\n" in erp
    web_rows = list(csv.DictReader(io.StringIO(files["products_web.csv"].body.decode())))
    assert len(web_rows) == len(files["products_web.csv"].rows)
    assert any("\n" in row["description"] for row in web_rows)
    assert any('Says "' in row["description"] for row in web_rows)
    eu_rows = list(csv.DictReader(io.StringIO(files["products_eu.csv"].body.decode()), delimiter=";"))
    assert any("," in row["price"] for row in eu_rows)
    legacy = files["products_legacy.csv"].body.decode().splitlines()[0].split(",")
    assert "price" not in legacy


def test_catalog_covers_every_product_once_in_full_files(world):
    full = [f for f in world.catalog.files if f.dialect in ("web", "erp", "eu")]
    clean = Counter(row.sku for f in full for row in f.rows if row.fault not in
                    ("exact_duplicate_row", "near_duplicate_row", "missing_price", "invalid_price", "missing_sku"))
    assert len(clean) == 1_000
    assert set(clean.values()) == {1}


def test_fx_conversion_rounds_half_up():
    assert to_usd(Decimal("10.00"), "EUR") == Decimal("10.80")
    assert to_usd(Decimal("1000"), "JPY") == Decimal("6.70")
    assert set(USD_RATES) == {"USD", "EUR", "GBP", "CAD", "JPY"}


def test_manifest_revenue_matches_payments(world):
    manifest = build_manifest(world.plan, world.universe, world.transactions, world.stream, world.hits,
                              world.log_planted, len(world.files), world.catalog, {})
    json.dumps(manifest)
    total = sum(Decimal(day["usd"]) for day in manifest["expected"]["revenue_per_day"].values())
    expected = Decimal(0)
    for payment in world.transactions.payments:
        sign = {"CAPTURED": 1, "REFUNDED": -1}.get(payment.status, 0)
        expected += sign * to_usd(payment.amount, payment.currency)
    assert total == expected
    assert sum(manifest["expected"]["page_views_per_day"].values()) > 0


def test_changes_plan_keeps_integrity(world):
    changes, after = plan_changes(world.plan, world.transactions)
    summary = summarize(world.plan, changes, after)
    kinds = summary["changes_by_kind"]
    for kind in ("status_change", "refund", "late_payment", "delete_order", "churn_delete", "churn_reinsert"):
        assert kinds.get(kind, 0) > 0, kind
    assert len(world.transactions.orders) == 10_000
    payment_ids = [p.payment_id for p in after.payments]
    assert len(payment_ids) == len(set(payment_ids))
    last_initial_payment = max(q.payment_id for q in world.transactions.payments)
    late_coupons = {p.coupon_code for p in after.payments if p.payment_id > last_initial_payment}
    assert {None, "", "None"} <= late_coupons
