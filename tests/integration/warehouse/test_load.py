"""Loading fixture extracts into the stand-in: counts, audits, idempotency and retried loads."""

from __future__ import annotations

from datetime import date

import pytest

from warehouse.audit import run_audit
from warehouse.errors import ExtractNotFoundError, InjectedFailure
from warehouse.load import load_date

pytestmark = pytest.mark.integration


def test_load_counts_match_extracts(kit):
    day = date(2024, 3, 1)
    extracts = kit.sample_extracts(day)
    kit.write_extracts(day, extracts)

    counts = load_date(kit.settings, day)
    stored = kit.checksums()

    for table, data in extracts.items():
        assert counts[table] == {"read": data.num_rows, "loaded": data.num_rows, "rejected": 0}, table
        assert stored[table][0] >= data.num_rows, table
    audit_rows = kit.query("SELECT table_name, rows_read, rows_loaded, rows_rejected FROM audit.load_audit "
                           "WHERE logical_date = %s ORDER BY table_name", (day,))
    assert len(audit_rows) == 8
    assert all(read == loaded + rejected for _, read, loaded, rejected in audit_rows)


def test_load_then_audit_finds_no_violations(kit):
    day = date(2024, 3, 2)
    kit.write_extracts(day, kit.sample_extracts(day))
    load_date(kit.settings, day)

    result = run_audit(kit.settings, day)

    failing = [check for check in result["checks"] if check["violations"]]
    assert failing == []
    assert result["unbalanced_loads"] == []
    assert result["ok"] is True


def test_null_empty_and_none_coupons_stay_distinct(kit):
    day = date(2024, 3, 3)
    kit.write_extracts(day, kit.sample_extracts(day))
    load_date(kit.settings, day)

    rows = kit.query("SELECT payment_id, coupon_code FROM star.fact_transactions WHERE date_key = 20240303 "
                     "ORDER BY payment_id")

    assert [coupon for _, coupon in rows] == [None, "", "None"]


def test_marts_read_the_loaded_date(kit):
    day = date(2024, 3, 4)
    kit.write_extracts(day, kit.sample_extracts(day))
    load_date(kit.settings, day)

    sales = kit.query("SELECT product_id, units_sold FROM mart.product_sales WHERE date_key = 20240304 ORDER BY 1")
    traffic = kit.query("SELECT SUM(sessions) FROM mart.traffic_usage WHERE date_key = 20240304")
    campaign = kit.query("SELECT sent, opens, clicks FROM mart.campaign_effectiveness WHERE campaign_id = 'spring'")
    customers = kit.query("SELECT COUNT(*) FROM mart.customer_behaviour")

    assert sales == [("P-001", 3), ("P-002", 6)]
    assert traffic == [(4,)]
    assert campaign[0][0] >= 1
    assert customers[0][0] == 3


def test_duplicate_in_extract_is_kept_and_reported(kit):
    day = date(2024, 3, 5)
    extracts = kit.sample_extracts(day)
    payments = extracts["fact_transactions"]
    extracts["fact_transactions"] = _with_first_row_twice(payments)
    kit.write_extracts(day, extracts)

    counts = load_date(kit.settings, day)
    result = run_audit(kit.settings)

    assert counts["fact_transactions"]["loaded"] == payments.num_rows + 1
    duplicates = {check["table"]: check["violations"] for check in result["checks"] if check["check"] == "duplicate_keys"}
    assert duplicates["fact_transactions"] == 1
    assert result["ok"] is False

    kit.write_extracts(day, kit.sample_extracts(day))
    load_date(kit.settings, day)
    assert run_audit(kit.settings)["ok"] is True


def test_failed_try_then_retry_loads_each_row_once(kit):
    day = date(2024, 3, 6)
    extracts = kit.sample_extracts(day)
    kit.write_extracts(day, extracts)
    before = kit.checksums()

    with pytest.raises(InjectedFailure):
        load_date(kit.settings, day, fail_after_step="copy")
    after_failure = kit.checksums()
    staged = kit.query("SELECT COUNT(*) FROM stg.fact_transactions")[0][0]
    load_date(kit.settings, day)
    after_retry = kit.checksums()
    payments = kit.query("SELECT payment_id, COUNT(*) FROM star.fact_transactions WHERE date_key = 20240306 "
                         "GROUP BY payment_id")
    load_date(kit.settings, day)
    after_third_run = kit.checksums()

    assert after_failure == before
    assert staged == extracts["fact_transactions"].num_rows
    assert len(payments) == extracts["fact_transactions"].num_rows
    assert all(count == 1 for _, count in payments)
    assert after_third_run == after_retry


def test_repeated_loads_leave_identical_checksums(kit):
    day = date(2024, 3, 7)
    kit.write_extracts(day, kit.sample_extracts(day, customers=5))

    load_date(kit.settings, day)
    first = kit.checksums()
    load_date(kit.settings, day)
    second = kit.checksums()
    with pytest.raises(InjectedFailure):
        load_date(kit.settings, day, fail_after_step="copy")
    after_failure = kit.checksums()
    load_date(kit.settings, day)
    third = kit.checksums()

    assert second == first
    assert after_failure == first
    assert third == first


def test_row_gone_from_extract_is_removed_on_reload(kit):
    day = date(2024, 3, 8)
    extracts = kit.sample_extracts(day, customers=3)
    kit.write_extracts(day, extracts)
    load_date(kit.settings, day)

    kit.write_extract("fact_transactions", day, extracts["fact_transactions"].slice(0, 2))
    counts = load_date(kit.settings, day)

    stored = kit.query("SELECT COUNT(*) FROM star.fact_transactions WHERE date_key = 20240308")[0][0]
    assert counts["fact_transactions"]["loaded"] == 2
    assert stored == 2


def test_extract_split_into_parts_loads_every_part(kit):
    day = date(2024, 3, 9)
    extracts = kit.sample_extracts(day, customers=6)
    kit.write_extracts(day, extracts)
    kit.write_extract("fact_product_sales", day, extracts["fact_product_sales"], parts=3)

    counts = load_date(kit.settings, day)

    assert counts["fact_product_sales"] == {"read": 12, "loaded": 12, "rejected": 0}


def test_missing_extract_raises_with_location(kit):
    day = date(2024, 3, 10)
    extracts = kit.sample_extracts(day)
    del extracts["dim_campaign"]
    kit.write_extracts(day, extracts)

    with pytest.raises(ExtractNotFoundError) as caught:
        load_date(kit.settings, day)

    assert "extracts/dim_campaign/dt=2024-03-10/" in str(caught.value)


def _with_first_row_twice(data):
    import pyarrow as pa

    return pa.concat_tables([data, data.slice(0, 1)])
