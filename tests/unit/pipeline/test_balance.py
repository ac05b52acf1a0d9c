"""Per-source balance read from the stage log: incremental stages add up, re-reading jobs count once."""

from __future__ import annotations

import json
from types import SimpleNamespace

from shoplake.pipeline.balance import source_balances, unbalanced_job_inputs


def _settings(tmp_path, entries):
    log = tmp_path / "pipeline" / "stage_runs.jsonl"
    log.parent.mkdir(parents=True)
    log.write_text("".join(json.dumps(entry) + "\n" for entry in entries))
    return SimpleNamespace(data_dir=tmp_path)


def _entry(stage, counts, day="2026-11-02", attempt=1):
    return {"stage": stage, "date": day, "try": attempt, "seconds": 1.0, "counts": counts}


def _job(rows_in, rows_out, quarantined=0, superseded=0, duplicates=0):
    return {"rows_in": rows_in, "rows_out": rows_out, "quarantined": quarantined, "superseded": superseded,
            "duplicates_removed": duplicates}


def test_rerun_of_incremental_stage_adds_late_input(tmp_path):
    settings = _settings(tmp_path, [
        _entry("access_logs", {"lines_read": 10, "records_sent": 9, "quarantined": 1}),
        _entry("access_logs", {"lines_read": 2, "records_sent": 2, "quarantined": 0}, attempt=2),
    ])
    access_logs = source_balances(settings)[0]
    assert (access_logs.records_in, access_logs.records_out, access_logs.quarantined) == (12, 11, 1)
    assert access_logs.balanced


def test_rerun_of_catalog_counts_its_last_run(tmp_path):
    settings = _settings(tmp_path, [
        _entry("catalog", {"inputs": {"catalog_csv": _job(10, 8, quarantined=2)}}),
        _entry("catalog", {"inputs": {"catalog_csv": _job(10, 8, quarantined=2)}}),
    ])
    catalog = source_balances(settings)[3]
    assert (catalog.records_in, catalog.records_out, catalog.quarantined) == (10, 8, 2)


def test_rerun_of_cdc_apply_counts_its_last_run(tmp_path):
    settings = _settings(tmp_path, [
        _entry("cdc_apply", {"inputs": {"dms/orders": _job(968, 924, superseded=44)}}),
        _entry("cdc_apply", {"inputs": {"dms/orders": _job(968, 924, superseded=44)}}),
    ])
    orders = source_balances(settings)[2]
    assert (orders.records_in, orders.records_out, orders.dropped) == (968, 924, 44)


def test_balance_sums_dates_and_duplicates(tmp_path):
    settings = _settings(tmp_path, [
        _entry("campaign_events", {"records_read": 20, "staged": 15, "duplicates": 3, "quarantined": 2, "failed": 0}),
        _entry("campaign_events", {"records_read": 5, "staged": 5}, day="2026-11-03"),
    ])
    campaigns = source_balances(settings)[1]
    assert (campaigns.records_in, campaigns.records_out, campaigns.dropped) == (25, 20, 3)
    assert campaigns.balanced


def test_dms_balance_counts_superseded(tmp_path):
    settings = _settings(tmp_path, [
        _entry("source_db", {"tables": {"shop.orders": {"full_load_rows": 8, "cdc_rows": 4}}}),
        _entry("cdc_apply", {"inputs": {"dms/orders": _job(12, 9, superseded=3), "dms/payments": _job(2, 1)}}),
    ])
    orders = source_balances(settings)[2]
    assert "12 rows replicated" in orders.source
    assert (orders.records_in, orders.records_out, orders.dropped) == (14, 10, 3)
    assert not orders.balanced


def test_unbalanced_job_input_is_named(tmp_path):
    settings = _settings(tmp_path, [
        _entry("clean_conform", {"inputs": {"cdc/orders": _job(5, 4, duplicates=1), "cdc/payments": _job(5, 3)}}),
    ])
    assert unbalanced_job_inputs(settings) == ["clean_conform 2026-11-02 cdc/payments"]


def test_soft_deleted_rows_balance_a_job_input(tmp_path):
    deleted = _job(504, 501) | {"soft_deleted": 3}
    settings = _settings(tmp_path, [_entry("clean_conform", {"inputs": {"cdc/orders": deleted}})])
    assert unbalanced_job_inputs(settings) == []
