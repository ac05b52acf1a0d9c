"""Quarantine records: the contract's JSON lines, one file per job input and logical date."""

from __future__ import annotations

import json

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from spark_jobs.common.context import JobContext
from spark_jobs.common.storage import delete, write_text

QUARANTINE_COLUMNS = ["stage", "source", "offset", "reason", "detail", "raw_b64"]


def quarantine_columns(stage: str, source: Column, offset: Column, reason: Column, detail: Column, raw: Column) -> list[Column]:
    """Return the select list that turns a rejected row into a quarantine record (`raw` is text)."""
    return [
        F.lit(stage).alias("stage"),
        source.cast("string").alias("source"),
        offset.cast("string").alias("offset"),
        reason.alias("reason"),
        detail.cast("string").alias("detail"),
        F.base64(F.encode(raw, "UTF-8")).alias("raw_b64"),
    ]


def row_as_json(columns: list[str]) -> Column:
    """Return the row's columns as one JSON object, used as a rejected row's raw bytes."""
    return F.to_json(F.struct(*[F.col(name) for name in columns]))


def write_quarantine(spark: SparkSession, context: JobContext, stage: str, name: str, records: DataFrame | list[dict]) -> int:
    """Replace `<stage>/dt=<date>/<name>.jsonl` with `records` (deleted when there are none); return the count.

    Records are collected on the driver, because quarantined rows are expected to be few.
    """
    uri = context.quarantine(f"{stage}/dt={context.dt}/{name}.jsonl")
    rows = records if isinstance(records, list) else [row.asDict() for row in records.select(*QUARANTINE_COLUMNS).collect()]
    if not rows:
        delete(spark, uri)
        return 0

    ordered = sorted(rows, key=lambda row: (str(row["source"]), _offset_key(row["offset"]), row["reason"]))
    lines = [json.dumps({column: row.get(column) for column in QUARANTINE_COLUMNS}, sort_keys=False) for row in ordered]
    write_text(spark, uri, "\n".join(lines) + "\n")
    return len(rows)


def _offset_key(offset: object) -> tuple[int, str]:
    text = str(offset)
    return (len(text), text) if text.isdigit() else (0, text)
