"""shoplake.cost: billing rules and the per-run estimate, with expected values worked out by hand."""

from __future__ import annotations

import pytest

from shoplake.cost import (
    EU_WEST_1,
    GIB,
    RunVolumes,
    estimate_run_cost,
    firehose_billed_gb,
    firehose_billed_gb_from_totals,
    format_estimate,
    glue_dpu_hours,
    redshift_rpu_hours,
    shard_hours,
)


def test_glue_minimum_minute_per_run() -> None:
    # A 30 s run bills 60 s; a 600 s run bills 600 s; 2 DPUs each.
    assert glue_dpu_hours([30, 600], dpus=2) == pytest.approx((60 + 600) * 2 / 3600)


def test_redshift_minimum_and_idle() -> None:
    assert redshift_rpu_hours(30, rpus=8) == pytest.approx(60 * 8 / 3600)
    assert redshift_rpu_hours(900, rpus=8) == pytest.approx(2.0)
    assert redshift_rpu_hours(0, rpus=8) == 0.0


def test_firehose_rounds_records_to_5kb() -> None:
    # 100 B -> one 5 KB step, 5120 B -> one step, 5121 B -> two steps.
    assert firehose_billed_gb([100, 5120, 5121]) == pytest.approx(4 * 5120 / GIB)


def test_firehose_from_totals_small_records() -> None:
    # One million records of 600 B each bill as one million 5 KB steps.
    assert firehose_billed_gb_from_totals(1_000_000, 600_000_000) == pytest.approx(1_000_000 * 5120 / GIB)
    assert firehose_billed_gb_from_totals(0, 0) == 0.0


def test_shard_hours_for_a_day() -> None:
    assert shard_hours(2, 24 * 3600) == pytest.approx(48.0)


def test_estimate_totals_each_service() -> None:
    volumes = RunVolumes(glue_dpu_hours=1.0, redshift_rpu_hours=2.0, firehose_gb=10.0, kinesis_shard_hours=48.0,
                         dms_instance_hours=24.0)

    estimate = estimate_run_cost(volumes)
    by_item = {line.item: line.usd for line in estimate.lines}

    assert by_item["Glue ETL"] == pytest.approx(0.44)
    assert by_item["Redshift Serverless"] == pytest.approx(0.80)
    assert by_item["Firehose ingestion"] == pytest.approx(0.31)
    assert by_item["Firehose dynamic partitioning"] == pytest.approx(0.22)
    assert by_item["Kinesis Data Streams"] == pytest.approx(0.816)
    assert by_item["DMS dms.t3.medium"] == pytest.approx(1.944)
    assert estimate.total_usd == pytest.approx(4.53)


def test_zero_volumes_cost_nothing() -> None:
    assert estimate_run_cost(RunVolumes()).total_usd == 0.0


@pytest.mark.parametrize("field", ["glue_dpu_hours", "firehose_gb", "dms_instance_hours"])
def test_negative_volume_rejected(field: str) -> None:
    with pytest.raises(ValueError) as error:
        RunVolumes(**{field: -1.0})

    assert field in str(error.value)


def test_format_names_region_date_and_estimate() -> None:
    text = format_estimate(estimate_run_cost(RunVolumes(glue_dpu_hours=1.0)))

    assert EU_WEST_1.region in text
    assert EU_WEST_1.as_of in text
    assert "estimate" in text
    assert "$0.4400" in text
