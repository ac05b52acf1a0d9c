"""The staged objects a job run consumed for one logical date, kept so a later run can find late arrivals.

A ledger is a JSON list of object URIs at `s3://<curated>/_state/<job>/<source>/dt=<date>/objects.json`,
replaced each time the date's partition of that source is rebuilt.
"""

from __future__ import annotations

import json

from pyspark.sql import SparkSession

from spark_jobs.common.context import JobContext
from spark_jobs.common.storage import read_text, write_text


def ledger_uri(context: JobContext, source: str) -> str:
    return context.curated(f"_state/{context.job_name}/{source}/dt={context.dt}/objects.json")


def read_consumed(spark: SparkSession, context: JobContext, source: str) -> set[str] | None:
    """Return the object URIs the last run for `context.dt` consumed, or None when no run recorded any."""
    text = read_text(spark, ledger_uri(context, source))
    return None if text is None else set(json.loads(text))


def write_consumed(spark: SparkSession, context: JobContext, source: str, objects: list[str]) -> None:
    write_text(spark, ledger_uri(context, source), json.dumps(sorted(objects), indent=1))
