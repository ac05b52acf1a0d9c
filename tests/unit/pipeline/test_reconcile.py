"""Reconciliation of the warehouse with the manifest, on fake query results: each wrong figure fails its check."""

from __future__ import annotations

import copy
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from shoplake.pipeline import reconcile as reconcile_module
from shoplake.pipeline.reconcile import QUERIES, Check, GroundTruth, GroundTruthNotFoundError, format_value, reconcile

DAY = "2026-11-02"
NEXT_DAY = "2026-11-03"


def _manifest(days: list[str]) -> dict[str, Any]:
    return {
        "window": {"start": days[0], "days": len(days), "dates": days},
        "expected": {
            "distinct_customers": 12,
            "distinct_customer_emails": 11,
            "orders": 30,
            "revenue_per_day": {day: {"by_currency": {"EUR": "100.00", "USD": "50.50"}, "usd": "158.50"} for day in days},
            "page_views_per_day": {day: 400 for day in days},
            "click_events_per_day": {day: 40 for day in days},
            "campaigns": {"CMP-01": {"sent": 20, "opens": 8, "click_throughs": 3},
                          "CMP-02": {"sent": 10, "opens": 4, "click_throughs": 1}},
        },
        "source_db": {"planted": {"near_duplicate_customer": 1}},
        "catalog": {"planted": {"exact_duplicate_row": 2, "near_duplicate_row": 1}},
        "campaign_events": {"planted": {"duplicate_delivery": 5}},
    }


def _clean_conform_report() -> dict[str, Any]:
    return {"inputs": {
        "cdc/customers": {"rows_in": 12, "rows_out": 11, "duplicates_removed": 1},
        "staging/catalog": {"rows_in": 13, "rows_out": 10, "duplicates_removed": 3},
        "staging/campaign_events": {"rows_in": 32, "rows_out": 30, "duplicates_removed": 2},
    }}


class FakeFacts:
    """Query results, job reports and stage counts that match `_manifest`, so every check passes until changed."""

    def __init__(self, days: list[str], held: list[str] | None = None) -> None:
        held = days if held is None else held
        self.results: dict[str, list[tuple[Any, ...]]] = {
            "held_dates": [(date.fromisoformat(day),) for day in held],
            "dim_customers": [(11,)],
            "mart_customers": [(11,)],
            "orders": [(30,)],
            "revenue_per_day": [row for day in held for row in (
                (date.fromisoformat(day), "EUR", Decimal("100.00"), Decimal("108.00")),
                (date.fromisoformat(day), "USD", Decimal("50.50"), Decimal("50.50")))],
            "traffic_per_day": [(date.fromisoformat(day), Decimal(400), Decimal(40)) for day in held],
            "campaign_funnels": [("CMP-01", 20, 8, 3), ("CMP-02", 10, 4, 1)],
        }
        self.reports = {("clean_conform", day): _clean_conform_report() for day in held}
        # The campaign Lambda drops 3 of the 5 planted duplicates on the first day, clean_conform the other 2.
        self.stages: dict[tuple[str, str], list[dict[str, Any]]] = (
            {("campaign_events", held[0]): [{"duplicates": 3}]} if held else {})
        if len(held) > 1:
            for day in held[1:]:
                self.reports[("clean_conform", day)]["inputs"]["staging/campaign_events"]["duplicates_removed"] = 0
        self.queried: list[str] = []

    def query(self, name: str, parameters: dict[str, Any]) -> list[tuple[Any, ...]]:
        placeholders = set(re.findall(r"%\((\w+)\)s", QUERIES[name]))
        assert placeholders == set(parameters), f"{name}: bound {sorted(parameters)}, SQL uses {sorted(placeholders)}"
        self.queried.append(name)
        return self.results[name]

    def job_report(self, job: str, day: str) -> dict[str, Any] | None:
        return self.reports.get((job, day))

    def stage_runs(self, stage: str, day: str) -> list[dict[str, Any]]:
        return self.stages.get((stage, day), [])


def _failed(checks: list[Check]) -> list[str]:
    return [check.name for check in checks if not check.passed]


def test_matching_figures_all_pass():
    checks = reconcile(None, _manifest([DAY]), facts=FakeFacts([DAY]))

    assert _failed(checks) == []
    assert {check.group for check in checks} == {"customers", "orders", "revenue", "traffic", "campaigns",
                                                  "campaign_duplicates", "customer_duplicates", "catalog_duplicates"}
    assert len([check for check in checks if check.group == "campaigns"]) == 3


def _set_result(name: str, rows: list[tuple[Any, ...]]):
    def change(facts: FakeFacts) -> None:
        facts.results[name] = rows
    return change


def _set_report(input_name: str, field: str, value: int):
    def change(facts: FakeFacts) -> None:
        facts.reports[("clean_conform", DAY)]["inputs"][input_name][field] = value
    return change


def _drop_report(facts: FakeFacts) -> None:
    del facts.reports[("clean_conform", DAY)]


def _set_lambda_duplicates(facts: FakeFacts) -> None:
    facts.stages[("campaign_events", DAY)] = [{"duplicates": 2}]


WRONG_FIGURES = [
    ("customers read", _set_report("cdc/customers", "rows_in", 13), [f"customers replicated from shop.customers, {DAY}"]),
    ("dim_customer", _set_result("dim_customers", [(12,)]), ["distinct customers by e-mail"]),
    ("orders", _set_result("orders", [(29,)]), ["orders"]),
    ("revenue in USD", _set_result("revenue_per_day", [
        (date(2026, 11, 2), "EUR", Decimal("100.00"), Decimal("108.01")),
        (date(2026, 11, 2), "USD", Decimal("50.50"), Decimal("50.50"))]), [f"revenue {DAY} in USD"]),
    ("missing currency", _set_result("revenue_per_day", [
        (date(2026, 11, 2), "EUR", Decimal("100.00"), Decimal("158.50"))]), [f"revenue {DAY} by currency"]),
    ("page views", _set_result("traffic_per_day", [(date(2026, 11, 2), Decimal(399), Decimal(40))]),
     [f"page views {DAY}"]),
    ("no traffic row", _set_result("traffic_per_day", []), [f"page views {DAY}", f"click events {DAY}"]),
    ("campaign opens", _set_result("campaign_funnels", [("CMP-01", 20, 7, 3), ("CMP-02", 10, 4, 1)]),
     ["campaign CMP-01 sent / opens / click-throughs"]),
    ("extra campaign", _set_result("campaign_funnels", [("CMP-01", 20, 8, 3), ("CMP-02", 10, 4, 1), ("CMP-99", 0, 0, 0)]),
     ["campaign ids"]),
    ("campaign duplicates", _set_lambda_duplicates, ["campaign duplicate deliveries removed"]),
    ("catalog duplicates", _set_report("staging/catalog", "duplicates_removed", 2),
     [f"duplicate catalog rows removed (exact and near), {DAY}"]),
    ("missing report", _drop_report, [
        f"customers replicated from shop.customers, {DAY}", "campaign duplicate deliveries removed",
        f"near-duplicate customers merged, {DAY}", f"duplicate catalog rows removed (exact and near), {DAY}"]),
]


@pytest.mark.parametrize(("case", "change", "failing"), WRONG_FIGURES, ids=[case for case, _, _ in WRONG_FIGURES])
def test_wrong_figure_fails_its_check(case, change, failing):
    facts = FakeFacts([DAY])
    change(facts)

    checks = reconcile(None, _manifest([DAY]), facts=facts)

    assert _failed(checks) == failing


def test_failure_message_names_both_values():
    facts = FakeFacts([DAY])
    facts.results["orders"] = [(29,)]

    [check] = [check for check in reconcile(None, _manifest([DAY]), facts=facts) if not check.passed]

    assert check.message() == "orders: expected 30 (manifest), found 29 (star.fact_product_sales, distinct order_id)"


def test_partial_window_skips_window_totals():
    facts = FakeFacts([DAY, NEXT_DAY], held=[DAY])

    checks = reconcile(None, _manifest([DAY, NEXT_DAY]), facts=facts)

    assert _failed(checks) == []
    assert not {"orders", "campaigns", "campaign_duplicates"} & {check.group for check in checks}
    assert {check.day for check in checks if check.day} == {DAY}


def test_whole_window_checks_each_day():
    facts = FakeFacts([DAY, NEXT_DAY])

    checks = reconcile(None, _manifest([DAY, NEXT_DAY]), facts=facts)

    assert _failed(checks) == []
    assert {check.day for check in checks if check.group == "traffic"} == {DAY, NEXT_DAY}
    assert [check.found for check in checks if check.group == "campaign_duplicates"] == [5]


def test_rerun_keeps_earlier_lambda_duplicates():
    facts = FakeFacts([DAY])
    facts.stages[("campaign_events", DAY)].append({"records_read": 0, "duplicates": 0})

    checks = reconcile(None, _manifest([DAY]), facts=facts)

    assert _failed(checks) == []
    assert [check.found for check in checks if check.group == "campaign_duplicates"] == [5]


def test_no_loaded_date_means_no_checks():
    facts = FakeFacts([DAY], held=[])

    assert reconcile(None, _manifest([DAY]), facts=facts) == []
    assert facts.queried == ["held_dates"]


def test_changes_set_orders_and_revenue():
    changes = {"expected_after_changes": {
        "rows": {"orders": 29},
        "revenue_per_day": {DAY: {"by_currency": {"EUR": "100.00", "USD": "50.50"}, "usd": "158.50"}},
    }}
    facts = FakeFacts([DAY])
    facts.results["orders"] = [(29,)]

    checks = reconcile(None, _manifest([DAY]), changes, facts=facts)

    assert _failed(checks) == []
    assert {check.expected_from for check in checks if check.group in ("orders", "revenue")} == {"changes.json"}
    assert {check.expected_from for check in checks if check.group == "traffic"} == {"manifest"}


def test_manifest_without_the_day_fails():
    manifest = _manifest([DAY])
    del manifest["expected"]["page_views_per_day"][DAY]

    checks = reconcile(None, manifest, facts=FakeFacts([DAY]))

    assert _failed(checks) == [f"page views {DAY}"]


@pytest.mark.parametrize(("value", "text"), [
    (None, "missing"),
    (Decimal("12.50"), "12.50"),
    ({"USD": Decimal("1.00"), "EUR": Decimal("2.00")}, "EUR 2.00, USD 1.00"),
    ((20, 8, 3), "20 / 8 / 3"),
    (["CMP-01", "CMP-02"], "CMP-01, CMP-02"),
    ([], "none"),
])
def test_format_value(value, text):
    assert format_value(value) == text


@pytest.mark.parametrize(("seed", "scale", "key"), [
    (42, 1.0, "_manifest/seed=42/scale=1/manifest.json"),
    (42, 0.05, "_manifest/seed=42/scale=0.05/manifest.json"),
    (7, 10, "_manifest/seed=7/scale=10/manifest.json"),
])
def test_manifest_key_matches_generator(seed, scale, key):
    assert reconcile_module.manifest_key(seed, scale) == key


def test_several_manifests_need_seed_and_scale(settings, monkeypatch):
    monkeypatch.setattr(reconcile_module, "stored_manifests", lambda _: [(42, 1.0), (42, 0.05)])

    with pytest.raises(GroundTruthNotFoundError) as raised:
        reconcile_module.load_ground_truth(settings)

    assert "seed 42 scale 1, seed 42 scale 0.05" in str(raised.value)
    assert "--seed and --scale" in str(raised.value)


def test_no_manifest_says_generate(settings, monkeypatch):
    monkeypatch.setattr(reconcile_module, "stored_manifests", lambda _: [])

    with pytest.raises(GroundTruthNotFoundError) as raised:
        reconcile_module.load_ground_truth(settings)

    assert "shoplake generate" in str(raised.value)


def _fake_ground_truth(monkeypatch, facts: FakeFacts) -> None:
    truth = GroundTruth(_manifest([DAY]), None, "s3://shoplake-raw/_manifest/seed=42/scale=1/manifest.json")
    monkeypatch.setattr(reconcile_module, "load_ground_truth", lambda *args: copy.deepcopy(truth))
    monkeypatch.setattr(reconcile_module, "WarehouseFacts", lambda _: facts)


def test_ground_truth_table_shows_failure(settings, monkeypatch):
    from shoplake.pipeline.summary import print_ground_truth

    facts = FakeFacts([DAY])
    facts.results["orders"] = [(29,)]
    _fake_ground_truth(monkeypatch, facts)
    console = Console(record=True, width=200)

    checks = print_ground_truth(console, settings)

    text = console.export_text()
    assert len(checks) == 14
    assert "Ground truth" in text
    assert "2 ids" in text
    assert "1 of 14 ground-truth checks failed" in text
    assert "orders: expected 30 (manifest), found 29" in text


@pytest.mark.parametrize(("orders", "exit_code"), [(30, 0), (29, 1)])
def test_reconcile_command_exit_code(settings, monkeypatch, orders, exit_code):
    from shoplake import pipeline_cli

    facts = FakeFacts([DAY])
    facts.results["orders"] = [(orders,)]
    _fake_ground_truth(monkeypatch, facts)
    monkeypatch.setattr(pipeline_cli, "get_settings", lambda: settings)

    result = CliRunner().invoke(pipeline_cli.app, ["reconcile"])

    assert result.exit_code == exit_code, result.output


def test_reconcile_command_fails_without_checks(settings, monkeypatch):
    from shoplake import pipeline_cli

    _fake_ground_truth(monkeypatch, FakeFacts([DAY], held=[]))
    monkeypatch.setattr(pipeline_cli, "get_settings", lambda: settings)

    result = CliRunner().invoke(pipeline_cli.app, ["reconcile"])

    assert result.exit_code == 1
    assert "has loaded no date" in result.output
