"""The local awsglue stand-in parses job arguments the way Glue does."""

from __future__ import annotations

import sys

import pytest

from spark_jobs.common.context import JobContext, optional_arguments
from spark_jobs.runner import GLUE_SHIM_DIR, GlueJobError, _check_job


@pytest.fixture
def awsglue_utils(monkeypatch):
    monkeypatch.syspath_prepend(str(GLUE_SHIM_DIR))
    sys.modules.pop("awsglue.utils", None)
    sys.modules.pop("awsglue", None)
    import awsglue.utils

    yield awsglue.utils
    sys.modules.pop("awsglue.utils", None)
    sys.modules.pop("awsglue", None)


def test_resolved_options_space_and_equals(awsglue_utils):
    argv = ["job.py", "--JOB_NAME", "cdc_apply", "--logical_date=2026-11-02", "--job-bookmark-option", "job-bookmark-enable",
            "--extra", "x"]
    args = awsglue_utils.getResolvedOptions(argv, ["JOB_NAME", "logical_date"])
    assert args == {"JOB_NAME": "cdc_apply", "logical_date": "2026-11-02"}


def test_resolved_options_missing_argument(awsglue_utils):
    with pytest.raises(awsglue_utils.GlueArgumentError) as raised:
        awsglue_utils.getResolvedOptions(["job.py", "--JOB_NAME", "x"], ["JOB_NAME", "logical_date"])
    assert "--logical_date" in str(raised.value)


def test_optional_arguments_both_forms():
    assert optional_arguments(["job.py", "--tables", "orders", "--email_hash_salt=s1"]) == {
        "tables": "orders", "email_hash_salt": "s1"}


def test_context_rejects_bad_date():
    args = {"JOB_NAME": "j", "logical_date": "2026-13-01", "raw_bucket": "r", "staging_bucket": "s",
            "curated_bucket": "c", "quarantine_bucket": "q"}
    with pytest.raises(ValueError) as raised:
        JobContext.from_args(args, argv=["job.py"])
    assert "2026-13-01" in str(raised.value)


def test_runner_rejects_unknown_job():
    with pytest.raises(GlueJobError) as raised:
        _check_job("nope", "2026-11-02")
    assert "catalog_ingest" in str(raised.value)
