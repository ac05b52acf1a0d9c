"""Small-scale generations: the same seed writes identical data, another seed differs; the change workload."""

import hashlib
from collections import defaultdict

import pytest
from conftest import isolated_settings
from sample_data_readback import kinesis_records, query, s3_objects

from sample_data.access_logs.render import gzip_lines
from sample_data.generate import apply_changes, generate_all

pytestmark = pytest.mark.integration
TABLES = ("customers", "campaigns", "orders", "order_lines", "payments")


def _snapshot(settings):
    objects = {key: hashlib.sha256(body).hexdigest() for key, body in s3_objects(settings, "").items()
               if not key.startswith("_manifest/")}
    tables = {table: query(settings, f"SELECT * FROM shop.{table} ORDER BY 1, 2") for table in TABLES}
    return objects, tables, sorted(kinesis_records(settings))


def _without_run(manifest):
    return {key: value for key, value in manifest.items() if key not in ("run", "targets")}


@pytest.fixture(scope="module")
def runs(stack):
    out = {}
    for name, seed in (("first", 42), ("again", 42), ("other", 43)):
        settings = isolated_settings(stack, f"det{name}")
        out[name] = (settings, generate_all(settings, seed=seed, scale=0.05, progress=False))
    return out


def test_same_seed_identical(runs):
    first, again = runs["first"], runs["again"]
    assert _snapshot(first[0]) == _snapshot(again[0])
    assert _without_run(first[1]) == _without_run(again[1])


def test_other_seed_differs(runs):
    first_objects, first_tables, first_events = _snapshot(runs["first"][0])
    other_objects, other_tables, other_events = _snapshot(runs["other"][0])
    assert set(first_objects) == set(other_objects)
    empty_file = hashlib.sha256(gzip_lines([])).hexdigest()
    written = [key for key in first_objects if first_objects[key] != empty_file or other_objects[key] != empty_file]
    assert len(written) > len(first_objects) / 2
    assert all(first_objects[key] != other_objects[key] for key in written)
    assert all(first_tables[table] != other_tables[table] for table in TABLES)
    assert first_events != other_events


def test_rerun_replaces_previous_output(runs):
    settings, manifest = runs["first"]
    again = generate_all(settings, seed=42, scale=0.05, progress=False)
    assert _without_run(again) == _without_run(manifest)
    assert query(settings, "SELECT count(*) FROM shop.orders")[0][0] == 500


def test_changes_reach_expected_state(stack):
    settings = isolated_settings(stack, "changes")
    generate_all(settings, seed=42, scale=0.05, progress=False)
    summary = apply_changes(settings, seed=42, scale=0.05)
    expected = summary["expected_after_changes"]

    assert summary["already_applied"] is False
    for kind in ("status_change", "refund", "late_payment", "churn_delete", "churn_reinsert"):
        assert summary["changes_by_kind"].get(kind, 0) > 0, kind
    for table in ("orders", "order_lines", "payments"):
        assert query(settings, f"SELECT count(*) FROM shop.{table}")[0][0] == expected["rows"][table], table
    assert dict(query(settings, "SELECT status, count(*) FROM shop.orders GROUP BY 1")) == expected["orders_by_status"]
    rows = query(settings, "SELECT (paid_at AT TIME ZONE 'UTC')::date::text, currency, "
                           "sum(CASE status WHEN 'CAPTURED' THEN amount ELSE -amount END) FROM shop.payments "
                           "WHERE status IN ('CAPTURED', 'REFUNDED') GROUP BY 1, 2")
    by_day = defaultdict(dict)
    for day, currency, amount in rows:
        by_day[day][currency.strip()] = str(amount)
    for day, figures in expected["revenue_per_day"].items():
        assert by_day[day] == figures["by_currency"], day


def test_changes_applied_once(stack):
    settings = isolated_settings(stack, "changes")
    before = query(settings, "SELECT count(*), max(updated_at) FROM shop.orders")
    summary = apply_changes(settings, seed=42, scale=0.05)
    assert summary["already_applied"] is True
    assert query(settings, "SELECT count(*), max(updated_at) FROM shop.orders") == before
