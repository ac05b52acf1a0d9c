"""Fixtures of the reliability suite: a clean run to compare with, and a private stack to break.

Both run in their own embedded stack (own data folder, free ports), so killing a
server never disturbs other tests. The clean run generates one day at
SHOPLAKE_RELIABILITY_SCALE (0.05 by default), runs the pipeline's stages for it
and keeps the star tables' checksums and the staged record ids.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bench._common import private_stack, run_pipeline_day, star_checksums
from tests.reliability.faults import DAY, access_log_ids, campaign_event_ids, prepare_day

# SHOPLAKE_RELIABILITY_KEEP=1 keeps both stacks' data folders (stage logs, lake, databases) for diagnosis.
KEEP_DATA = os.environ.get("SHOPLAKE_RELIABILITY_KEEP") == "1"


@dataclass
class CleanRun:
    """What a run without faults produced: star-table checksums, staged ids and each stage's seconds."""

    checksums: dict[str, tuple[int, str]]
    access_log_ids: set[str]
    campaign_event_ids: set[str]
    stage_seconds: dict[str, float]


@pytest.fixture(scope="session")
def clean_run() -> CleanRun:
    with private_stack("shoplake-reliability-clean-", keep=KEEP_DATA) as settings:
        prepare_day(settings)
        runs = run_pipeline_day(settings, DAY.isoformat())
        assert_counts_balance(settings)
        return CleanRun(star_checksums(settings), set(access_log_ids(settings)), set(campaign_event_ids(settings)),
                        {run.stage: run.seconds for run in runs})


@pytest.fixture(scope="module")
def faulted_stack() -> Iterator[Any]:
    """A private stack with the suite's day generated and the full load done; faults are injected into it."""
    with private_stack("shoplake-reliability-faults-", keep=KEEP_DATA) as settings:
        prepare_day(settings)
        yield settings


def stage_runs(settings: Any) -> list[dict[str, Any]]:
    """Return every finished stage run that the pipeline runtime recorded in this stack."""
    from shoplake.pipeline.runtime import recorded_stage_runs

    return recorded_stage_runs(settings)


def unbalanced_counts(entry: dict[str, Any]) -> list[str]:
    """Return a description of each count in one stage run where records in differ from out + removed."""
    counts, stage = entry["counts"], entry["stage"]
    problems = []
    if stage == "access_logs" and counts["lines_read"] != counts["records_sent"] + counts["quarantined"] + counts["dead_lettered"]:
        problems.append(f"access_logs: {counts}")
    if stage == "campaign_events":
        handled = counts["staged"] + counts["duplicates"] + counts["quarantined"] + counts["failed"]
        if counts["records_read"] != handled:
            problems.append(f"campaign_events: {counts}")
    for name, item in counts.get("inputs", {}).items():
        removed = item["quarantined"] + item["duplicates_removed"] + item["superseded"] + item["soft_deleted"]
        if item["rows_in"] != item["rows_out"] + removed:
            problems.append(f"{stage} {name}: {item}")
    for table, item in counts.get("tables", {}).items():
        if "read" in item and item["read"] != item["loaded"] + item["rejected"]:
            problems.append(f"{stage} {table}: {item}")
    return problems


def assert_counts_balance(settings: Any) -> None:
    problems = [problem for entry in stage_runs(settings) for problem in unbalanced_counts(entry)]
    assert problems == [], "counts that do not balance:\n" + "\n".join(problems)
