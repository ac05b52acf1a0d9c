"""The run report each job writes: rows in, out, quarantined and deduplicated per input."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from pyspark.sql import SparkSession

from spark_jobs.common.context import JobContext
from spark_jobs.common.storage import write_text


class UnbalancedCountsError(RuntimeError):
    """An input's rows in differ from rows out + quarantined + duplicates removed."""


@dataclass
class InputCounts:
    rows_in: int
    rows_out: int
    quarantined: int = 0
    duplicates_removed: int = 0
    superseded: int = 0  # older changes to a key that a later change in the same batch replaces
    soft_deleted: int = 0  # current-state rows marked deleted, left out of the cleaned entity

    @property
    def balanced(self) -> bool:
        removed = self.quarantined + self.duplicates_removed + self.superseded + self.soft_deleted
        return self.rows_in == self.rows_out + removed


@dataclass
class RunReport:
    """Counts of one job run; `write` stores it as `_reports/<job>/dt=<date>/report.json`."""

    job: str
    logical_date: str
    inputs: dict[str, InputCounts] = field(default_factory=dict)
    outputs: dict[str, int] = field(default_factory=dict)

    def add_input(self, name: str, rows_in: int, rows_out: int, quarantined: int = 0, duplicates_removed: int = 0,
                  superseded: int = 0, soft_deleted: int = 0) -> None:
        counts = InputCounts(rows_in, rows_out, quarantined, duplicates_removed, superseded, soft_deleted)
        if not counts.balanced:
            raise UnbalancedCountsError(
                f"{self.job} {self.logical_date}: input {name} has {rows_in} rows in but {rows_out} out, "
                f"{quarantined} quarantined, {duplicates_removed} duplicates removed, {superseded} superseded "
                f"and {soft_deleted} soft-deleted"
            )
        self.inputs[name] = counts

    def add_output(self, name: str, rows: int) -> None:
        self.outputs[name] = rows

    def to_dict(self) -> dict:
        return {
            "job": self.job,
            "logical_date": self.logical_date,
            "inputs": {name: asdict(counts) for name, counts in sorted(self.inputs.items())},
            "outputs": dict(sorted(self.outputs.items())),
            "totals": {
                "rows_in": sum(counts.rows_in for counts in self.inputs.values()),
                "rows_out": sum(counts.rows_out for counts in self.inputs.values()),
                "quarantined": sum(counts.quarantined for counts in self.inputs.values()),
                "duplicates_removed": sum(counts.duplicates_removed for counts in self.inputs.values()),
                "superseded": sum(counts.superseded for counts in self.inputs.values()),
                "soft_deleted": sum(counts.soft_deleted for counts in self.inputs.values()),
            },
        }

    def write(self, spark: SparkSession, context: JobContext) -> str:
        uri = report_uri(context.curated_bucket, self.job, self.logical_date)
        write_text(spark, uri, json.dumps(self.to_dict(), indent=2, sort_keys=True))
        return uri


def report_key(job: str, logical_date: str) -> str:
    return f"_reports/{job}/dt={logical_date}/report.json"


def report_uri(curated_bucket: str, job: str, logical_date: str) -> str:
    return f"s3://{curated_bucket}/{report_key(job, logical_date)}"
