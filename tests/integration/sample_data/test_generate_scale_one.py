"""One scale-1 generation read back over sockets from S3, PostgreSQL and Kinesis."""

import csv
import io
import json
from collections import Counter, defaultdict
from datetime import UTC
from decimal import Decimal

import pytest
from sample_data_readback import event_type, is_bot, kinesis_records, log_lines, parse_event, parse_line, query, s3_objects

from sample_data import config

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def lines(scale_one):
    settings, _ = scale_one
    return list(log_lines(settings))


@pytest.fixture(scope="module")
def events(scale_one):
    settings, _ = scale_one
    return kinesis_records(settings)


def test_log_line_count_is_exact(scale_one, lines):
    _, manifest = scale_one
    assert len(lines) == 100_000
    assert manifest["access_logs"]["lines"] == 100_000
    keys = {key for key, _, _ in lines}
    assert len(keys) == 144
    assert all(key.endswith(".gz") and "/hour=" in key for key in keys)


def test_log_figures_match_manifest(scale_one, lines):
    _, manifest = scale_one
    page_views, clicks = Counter(), Counter()
    for _, text, complete in lines:
        fields = parse_line(text) if complete else None
        if fields is None or fields["status"] is None or fields["status"] >= 400 or is_bot(fields["agent"]):
            continue
        kind = event_type(fields["method"], fields["target"])
        day = fields["ts"].astimezone(UTC).date().isoformat()
        if kind == "page_view":
            page_views[day] += 1
        elif kind == "click":
            clicks[day] += 1
    assert dict(page_views) == manifest["expected"]["page_views_per_day"]
    assert dict(clicks) == manifest["expected"]["click_events_per_day"]


def test_log_faults_match_manifest_and_rates(scale_one, lines):
    _, manifest = scale_one
    planted = manifest["access_logs"]["planted"]
    found = Counter()
    for key, text, complete in lines:
        if not complete:
            found["cut_last_line"] += 1
            continue
        fields = parse_line(text)
        assert fields is not None, text[:200]
        server = key.rsplit("/", 1)[1].split(".")[0]
        hour = key.split("/hour=")[1][:2]
        found["oversized_line"] += len(text) > 1_000_000
        found["protocol_probe"] += fields["method"] == "PRI"
        found["dash_request"] += fields["request"] == "-"
        found["dash_status"] += fields["status"] is None
        found["dash_bytes"] += fields["bytes"] == "-" and fields["request"] != "-"
        found["escaped_quote_apache"] += server == "web-apache-01" and '\\"' in text
        found["escaped_quote_nginx"] += server == "web-nginx-01" and "\\x22" in text
        found["ipv6_zone_suffix"] += "%" in fields["ip"]
        found["ipv4_mapped_ipv6"] += fields["ip"].startswith("::ffff:")
        found["ipv6_client"] += fields["ip"].startswith("2001:db8:")
        found["invalid_host"] += fields["ip"].endswith(".example")
        found["odd_utc_offset"] += fields["ts"].strftime("%z") in ("+0530", "+0545", "-0930")
        found["http2_protocol"] += fields["protocol"] in ("HTTP/2", "HTTP/2.0") and fields["method"] != "PRI"
        found["late_line"] += fields["ts"].astimezone(UTC).strftime("%H") != hour

    for kind, count in planted.items():
        assert found[kind] == count, kind
    for kind, rate in config.ACCESS_LOG_FAULT_RATES.items():
        expected = rate * 100_000
        assert abs(found[kind] - expected) <= max(1, 0.1 * expected), kind
    assert abs(found["cut_last_line"] - config.CUT_LAST_LINE_FILE_RATE * 144) <= 0.1 * config.CUT_LAST_LINE_FILE_RATE * 144 + 0.5


def test_catalog_products_and_bad_rows(scale_one):
    settings, manifest = scale_one
    valid, bad = set(), 0
    for key, body in s3_objects(settings, "catalog/").items():
        text = body.decode("utf-8-sig")
        delimiter = ";" if text.split("\n", 1)[0].count(";") > 0 else ","
        rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
        assert len(rows) == manifest["catalog"]["files"][key]["data_rows"], key
        if "price" not in rows[0]:
            continue
        for row in rows:
            try:
                Decimal(row["price"].replace(",", "."))
                ok = bool(row["sku"])
            except ArithmeticError:
                ok = False
            if ok:
                valid.add(row["sku"])
            else:
                bad += 1
    assert len(valid) == 1_000
    assert bad == manifest["catalog"]["quarantined_rows"]


def test_source_tables_counts(scale_one):
    settings, manifest = scale_one
    counts = {table: query(settings, f"SELECT count(*) FROM shop.{table}")[0][0]
              for table in ("customers", "campaigns", "orders", "order_lines", "payments")}
    assert counts["orders"] == 10_000
    assert counts == manifest["source_db"]["rows"]
    coupons = dict(query(settings, "SELECT CASE WHEN coupon_code IS NULL THEN 'null' WHEN coupon_code = '' THEN "
                                   "'empty_string' WHEN coupon_code = 'None' THEN 'none_text' ELSE 'code' END, count(*) "
                                   "FROM shop.payments GROUP BY 1"))
    assert coupons == manifest["source_db"]["coupon_code_values"]


def test_revenue_per_day_from_database(scale_one):
    settings, manifest = scale_one
    rows = query(settings, "SELECT (paid_at AT TIME ZONE 'UTC')::date::text, currency, "
                           "sum(CASE status WHEN 'CAPTURED' THEN amount ELSE -amount END) FROM shop.payments "
                           "WHERE status IN ('CAPTURED', 'REFUNDED') GROUP BY 1, 2")
    by_day = defaultdict(dict)
    for day, currency, amount in rows:
        by_day[day][currency.strip()] = str(amount)
    for day, expected in manifest["expected"]["revenue_per_day"].items():
        assert by_day[day] == expected["by_currency"], day


def test_kinesis_records_and_campaign_figures(scale_one, events):
    _, manifest = scale_one
    planted = manifest["campaign_events"]["planted"]
    assert len(events) == 10_000 + planted["duplicate_delivery"]
    parsed = [parse_event(data) for data in events]
    assert sum(event is None for event in parsed) == planted["malformed_json"]
    ids = Counter(event["event_id"] for event in parsed if event is not None)
    assert len(ids) + planted["malformed_json"] == 10_000
    assert sum(count - 1 for count in ids.values()) == planted["duplicate_delivery"]
    assert all(data.endswith(b"\n") for data in events)

    campaigns = {row[0] for row in query(scale_one[0], "SELECT campaign_id FROM shop.campaigns")}
    figures = defaultdict(Counter)
    seen = set()
    for event in parsed:
        if event is None or event["event_id"] in seen or event["customer_id"] is None or event["campaign_id"] not in campaigns:
            continue
        seen.add(event["event_id"])
        figures[event["campaign_id"]][event["event_type"].strip().lower()] += 1
    for campaign_id, expected in manifest["expected"]["campaigns"].items():
        assert figures[campaign_id]["open"] == expected["opens"], campaign_id
        assert figures[campaign_id]["click"] == expected["click_throughs"], campaign_id


def test_referential_integrity_across_sources(scale_one, lines, events):
    settings, _ = scale_one
    customers = {row[0] for row in query(settings, "SELECT customer_id FROM shop.customers")}
    campaigns = {row[0] for row in query(settings, "SELECT campaign_id FROM shop.campaigns")}
    products = set()
    for body in s3_objects(settings, "catalog/dt=2026-11-02/products_web").values():
        products |= {row["sku"] for row in csv.DictReader(io.StringIO(body.decode(), newline=""))}
    for body in s3_objects(settings, "catalog/dt=2026-11-02/products_e").values():
        text = body.decode("utf-8-sig")
        delimiter = ";" if ";" in text.split("\n")[0] else ","
        products |= {row["sku"] for row in csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)}
    products.discard("")

    ordered = {row[0] for row in query(settings, "SELECT DISTINCT product_id FROM shop.order_lines")}
    assert ordered <= products
    for _, text, complete in lines:
        fields = parse_line(text) if complete else None
        if fields is None:
            continue
        if fields["user"] != "-":
            assert int(fields["user"]) in customers
        target = fields["target"] or ""
        if "utm_campaign=" in target:
            assert target.split("utm_campaign=")[1].split("&")[0] in campaigns
        if target.startswith("/products/") and fields["status"] == 200:
            assert target.removeprefix("/products/") in products
    for data in events:
        event = parse_event(data)
        if event is None or event["customer_id"] is None or event["campaign_id"] not in campaigns:
            continue
        assert int(event["customer_id"]) in customers


def test_manifest_stored_in_s3_and_locally(scale_one):
    settings, manifest = scale_one
    stored = s3_objects(settings, "_manifest/seed=42/scale=1/manifest.json")
    assert json.loads(next(iter(stored.values()))) == manifest
    local = settings.data_dir / "sample_data" / "_manifest" / "seed=42" / "scale=1" / "manifest.json"
    assert json.loads(local.read_text()) == manifest
