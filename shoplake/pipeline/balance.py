"""Per-source record balance for the demo summary: in = out + quarantined (+ dropped), per source.

The figures come from the stage log that every pipeline task appends to when it succeeds.
The ingest stages handle only input that no earlier run handled (checkpoints, stream
positions, replication slots), so every recorded run of theirs adds up, and a re-run of a date
adds what arrived late. The Glue jobs read their date's input again on each run (cdc_apply the
DMS files it applied for that date), so only their last run per date counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shoplake.settings import Settings

JOB_INPUT_DROPS = ("quarantined", "duplicates_removed", "superseded", "soft_deleted")


@dataclass
class SourceBalance:
    """Records of one source through its ingest stage, and where they end in the warehouse."""

    source: str
    records_in: int
    records_out: int
    quarantined: int
    dropped: int
    warehouse_tables: tuple[str, ...]

    @property
    def balanced(self) -> bool:
        return self.records_in == self.records_out + self.quarantined + self.dropped


INCREMENTAL_STAGES = ("access_logs", "campaign_events", "source_db")
Runs = list[tuple[str, str, dict[str, Any]]]


def recorded_runs(settings: Settings) -> Runs:
    """Return (stage, date, counts) of every recorded run: all runs of incremental stages, the last of others."""
    from shoplake.pipeline.runtime import recorded_stage_runs

    last: dict[tuple[str, str], dict[str, Any]] = {}
    runs: Runs = []
    for entry in recorded_stage_runs(settings):
        counts = entry.get("counts") or {}
        if entry["stage"] in INCREMENTAL_STAGES:
            runs.append((entry["stage"], entry["date"], counts))
        else:
            last[(entry["stage"], entry["date"])] = counts
    return runs + [(stage, day, counts) for (stage, day), counts in last.items()]


def _sum(runs: Runs, stage: str, field: str) -> int:
    return sum(int(counts.get(field) or 0) for name, _, counts in runs if name == stage)


def _job_input(runs: Runs, stage: str, prefix: str, field: str) -> int:
    total = 0
    for name, _, counts in runs:
        if name != stage:
            continue
        for input_name, figures in (counts.get("inputs") or {}).items():
            if input_name.startswith(prefix):
                total += int(figures.get(field) or 0)
    return total


def source_balances(settings: Settings) -> list[SourceBalance]:
    """Return the balance of each of the four sources over every recorded date."""
    runs = recorded_runs(settings)
    replicated = sum(int(table.get("full_load_rows", 0)) + int(table.get("cdc_rows", 0))
                     for name, _, counts in runs if name == "source_db"
                     for table in (counts.get("tables") or {}).values())
    return [
        SourceBalance("access logs (Lambda → Firehose)", _sum(runs, "access_logs", "lines_read"),
                      _sum(runs, "access_logs", "records_sent"),
                      _sum(runs, "access_logs", "quarantined") + _sum(runs, "access_logs", "dead_lettered"), 0,
                      ("fact_network_traffic",)),
        SourceBalance("campaign events (Kinesis → Lambda)", _sum(runs, "campaign_events", "records_read"),
                      _sum(runs, "campaign_events", "staged"),
                      _sum(runs, "campaign_events", "quarantined") + _sum(runs, "campaign_events", "failed"),
                      _sum(runs, "campaign_events", "duplicates"), ("fact_campaign_interactions",)),
        SourceBalance(f"orders and payments (DMS, {replicated} rows replicated)",
                      _job_input(runs, "cdc_apply", "dms/", "rows_in"), _job_input(runs, "cdc_apply", "dms/", "rows_out"),
                      _job_input(runs, "cdc_apply", "dms/", "quarantined"),
                      _job_input(runs, "cdc_apply", "dms/", "superseded"), ("fact_transactions", "fact_product_sales")),
        SourceBalance("product catalog (Glue CSV ingest)", _job_input(runs, "catalog", "catalog", "rows_in"),
                      _job_input(runs, "catalog", "catalog", "rows_out"), _job_input(runs, "catalog", "catalog", "quarantined"),
                      _job_input(runs, "catalog", "catalog", "duplicates_removed"), ("dim_product",)),
    ]


def unbalanced_job_inputs(settings: Settings) -> list[str]:
    """Return `stage date input` for every Glue job input whose rows in != out + quarantined + dropped."""
    problems = []
    for stage, day, counts in sorted(recorded_runs(settings), key=lambda run: run[:2]):
        for input_name, figures in (counts.get("inputs") or {}).items():
            dropped = sum(int(figures.get(field) or 0) for field in JOB_INPUT_DROPS)
            if int(figures.get("rows_in") or 0) != int(figures.get("rows_out") or 0) + dropped:
                problems.append(f"{stage} {day} {input_name}")
    return problems
