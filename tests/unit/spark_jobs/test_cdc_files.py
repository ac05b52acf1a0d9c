"""Which DMS files cdc_apply picks for a logical date, and in which order."""

from __future__ import annotations

import sys

import pytest

from spark_jobs.runner import GLUE_SHIM_DIR


@pytest.fixture(scope="module")
def cdc_apply():
    sys.path.insert(0, str(GLUE_SHIM_DIR))
    import importlib

    module = importlib.import_module("spark_jobs.cdc_apply")
    yield module
    sys.path.remove(str(GLUE_SHIM_DIR))


NAMES = ["LOAD00000001.parquet", "20240301-100000000.parquet", "20240302-000000001.parquet", "notes.txt.parquet"]


def test_all_unapplied_dms_files_chosen(cdc_apply):
    # A change committed after the logical date (a backfill running today) is applied too.
    assert cdc_apply.eligible_files(NAMES, "2024-03-01", {}) == [
        "LOAD00000001.parquet", "20240301-100000000.parquet", "20240302-000000001.parquet"]


def test_applied_files_skipped_unless_same_date(cdc_apply):
    applied = {"LOAD00000001.parquet": "2024-03-01", "20240301-100000000.parquet": "2024-03-01",
               "20240302-000000001.parquet": "2024-03-02"}
    assert cdc_apply.eligible_files(NAMES, "2024-03-02", applied) == ["20240302-000000001.parquet"]
    assert cdc_apply.eligible_files(NAMES, "2024-03-01", applied) == ["LOAD00000001.parquet", "20240301-100000000.parquet"]
    assert cdc_apply.eligible_files(NAMES, "2024-03-03", applied) == []


def test_full_load_sorts_before_cdc(cdc_apply):
    ordered = sorted(["20240301-100000000.parquet", "LOAD00000002.parquet"], key=cdc_apply.file_order)
    assert ordered == ["LOAD00000002.parquet", "20240301-100000000.parquet"]


def test_fx_fallback_matches_generator(monkeypatch):
    import importlib

    import spark_jobs.common.money as money
    from sample_data.fx import USD_RATES as generator_rates

    monkeypatch.setitem(sys.modules, "sample_data.fx", None)  # as on a Glue deployment without sample_data
    fallback = importlib.reload(money).USD_RATES
    monkeypatch.undo()
    importlib.reload(money)
    assert fallback == generator_rates
