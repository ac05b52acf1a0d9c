"""Per-run cost estimate on the `aws` profile from a run's measured volumes.

The estimate multiplies what one pipeline run used (Glue DPU-hours, Redshift
Serverless RPU-hours, Firehose gigabytes, Kinesis shard-hours, DMS instance
hours) by on-demand list prices of one region. It leaves out S3 storage and
requests, data transfer, CloudWatch, Secrets Manager and Lambda, so it is a
lower bound of the bill, and every price is an estimate: check the AWS Pricing
Calculator before you quote a figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

GIB = 1024**3
FIREHOSE_RECORD_INCREMENT_BYTES = 5 * 1024  # Firehose bills each Direct PUT record in 5 KB steps.
GLUE_MINIMUM_SECONDS = 60  # Glue 2.0 and later bill per second with a 1-minute minimum per run.
REDSHIFT_MINIMUM_SECONDS = 60  # Redshift Serverless bills per second with a 60-second minimum.


@dataclass(frozen=True)
class PriceTable:
    """On-demand list prices in USD of one region, and when they were taken."""

    region: str
    as_of: str
    glue_dpu_hour: float
    redshift_rpu_hour: float
    firehose_ingested_gb: float
    firehose_partitioned_gb: float
    kinesis_shard_hour: float
    dms_instance_hour: float
    dms_instance_class: str


# NOTE: these eu-west-1 figures are estimates of AWS's on-demand list prices in December
# 2026 and were not checked against the pricing pages; update them before relying on a total.
EU_WEST_1 = PriceTable(
    region="eu-west-1",
    as_of="2026-12-04",
    glue_dpu_hour=0.44,
    redshift_rpu_hour=0.40,
    firehose_ingested_gb=0.031,
    firehose_partitioned_gb=0.022,
    kinesis_shard_hour=0.017,
    dms_instance_hour=0.081,
    dms_instance_class="dms.t3.medium",
)


@dataclass(frozen=True)
class RunVolumes:
    """What one pipeline run used on AWS, in the units AWS bills."""

    glue_dpu_hours: float = 0.0
    redshift_rpu_hours: float = 0.0
    firehose_gb: float = 0.0
    kinesis_shard_hours: float = 0.0
    dms_instance_hours: float = 0.0

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value < 0 or math.isnan(value):
                raise ValueError(f"invalid volume {name} = {value}: expected a number >= 0")


@dataclass(frozen=True)
class CostLine:
    """One billed item of the estimate."""

    item: str
    quantity: float
    unit: str
    unit_price_usd: float

    @property
    def usd(self) -> float:
        return self.quantity * self.unit_price_usd


@dataclass(frozen=True)
class CostEstimate:
    """The lines of one run's estimate and the price table they used."""

    prices: PriceTable
    lines: list[CostLine] = field(default_factory=list)

    @property
    def total_usd(self) -> float:
        return sum(line.usd for line in self.lines)


def estimate_run_cost(volumes: RunVolumes, prices: PriceTable = EU_WEST_1) -> CostEstimate:
    """Price each measured volume of one run with `prices`."""
    lines = [
        CostLine("Glue ETL", volumes.glue_dpu_hours, "DPU-hour", prices.glue_dpu_hour),
        CostLine("Redshift Serverless", volumes.redshift_rpu_hours, "RPU-hour", prices.redshift_rpu_hour),
        CostLine("Firehose ingestion", volumes.firehose_gb, "GB", prices.firehose_ingested_gb),
        CostLine("Firehose dynamic partitioning", volumes.firehose_gb, "GB", prices.firehose_partitioned_gb),
        CostLine("Kinesis Data Streams", volumes.kinesis_shard_hours, "shard-hour", prices.kinesis_shard_hour),
        CostLine(f"DMS {prices.dms_instance_class}", volumes.dms_instance_hours, "instance-hour",
                 prices.dms_instance_hour),
    ]
    return CostEstimate(prices=prices, lines=lines)


def glue_dpu_hours(run_seconds: list[float], dpus: float) -> float:
    """Return the DPU-hours of Glue runs of `dpus` DPUs each, with the 1-minute minimum per run."""
    return sum(max(seconds, GLUE_MINIMUM_SECONDS) for seconds in run_seconds) * dpus / 3600


def redshift_rpu_hours(busy_seconds: float, rpus: float) -> float:
    """Return the RPU-hours of a workgroup busy for `busy_seconds` at `rpus` RPUs, with the 60-second minimum."""
    if busy_seconds <= 0:
        return 0.0
    return max(busy_seconds, REDSHIFT_MINIMUM_SECONDS) * rpus / 3600


def firehose_billed_gb(record_sizes: list[int]) -> float:
    """Return the billed gigabytes of Direct PUT records: each record rounds up to the next 5 KB."""
    increments = sum(math.ceil(size / FIREHOSE_RECORD_INCREMENT_BYTES) for size in record_sizes if size > 0)
    return increments * FIREHOSE_RECORD_INCREMENT_BYTES / GIB


def firehose_billed_gb_from_totals(record_count: int, total_bytes: int) -> float:
    """Estimate billed gigabytes from a record count and byte total: records under 5 KB bill as 5 KB."""
    if record_count <= 0:
        return 0.0
    average = total_bytes / record_count
    increments_per_record = max(1, math.ceil(average / FIREHOSE_RECORD_INCREMENT_BYTES))
    return record_count * increments_per_record * FIREHOSE_RECORD_INCREMENT_BYTES / GIB


def shard_hours(shards: int, seconds: float) -> float:
    """Return the shard-hours of a provisioned stream of `shards` shards kept for `seconds`."""
    return shards * seconds / 3600


def format_estimate(estimate: CostEstimate) -> str:
    """Render the estimate as a text table for the demo summary."""
    prices = estimate.prices
    rows = [f"Estimated AWS cost of this run ({prices.region}, list prices as of {prices.as_of}; an estimate)"]
    for line in estimate.lines:
        rows.append(f"  {line.item:<32} {line.quantity:>12.4f} {line.unit:<14} x ${line.unit_price_usd:<7.4f}"
                    f" = ${line.usd:.4f}")
    rows.append(f"  {'total':<32} {'':>12} {'':<14}   {'':<8}  ${estimate.total_usd:.4f}")
    return "\n".join(rows)
