"""Glue job: DMS full-load and CDC files -> current-state Delta tables `cdc/<table>` with MERGE.

For each table under `s3://<staging>/dms/shop/<table>/`, the job reads the full-load files
(`LOAD*.parquet`, no `Op` column means insert) and the CDC files that no earlier run applied,
plus those this date's earlier run applied. The tables are a replica of the source's current
state, so a run applies every change that has arrived, whatever its commit date: a backfill of
past dates still picks up changes committed today. Changes are
ordered per key by commit time, then file (full load before CDC, then by name), then row
position in the file; the last change wins. A MERGE applies it only when it is newer than the
stored row, so re-applying a file changes nothing. Deletes are soft: `is_deleted = true` and the
last known column values stay. Applied files are recorded in the Delta table `cdc/_applied_files`.
"""

from __future__ import annotations

import re
import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from spark_jobs.common.context import COMMON_ARGUMENTS, JobContext
from spark_jobs.common.delta import read_delta, table_exists
from spark_jobs.common.quarantine import quarantine_columns, row_as_json, write_quarantine
from spark_jobs.common.report import RunReport
from spark_jobs.common.storage import list_files
from spark_jobs.common.tables import (
    CHANGE_SEQ_COLUMN,
    DELETED_COLUMN,
    DMS_COMMIT_TS_COLUMN,
    DMS_OP_COLUMN,
    DMS_SCHEMA,
    DMS_TABLE_KEYS,
)

CDC_FILE_NAME = re.compile(r"^(\d{8})-\d{9}\.parquet$")
LOAD_FILE_NAME = re.compile(r"^LOAD\d+\.parquet$")
APPLIED_FILES_TABLE = "cdc/_applied_files"
VALID_OPS = ("I", "U", "D")


def eligible_files(file_names: list[str], logical_date: str, applied: dict[str, str]) -> list[str]:
    """Return the file names to apply: every unapplied full-load or CDC file, plus this date's earlier ones.

    `applied` maps file name to the logical date that applied it. CDC files are named
    `YYYYMMDD-HHMMSSfff.parquet` by commit time; other names are not DMS output and are skipped.
    Re-applying a file is harmless because the MERGE only takes changes newer than the stored row.
    """
    chosen = []
    for name in file_names:
        if not (LOAD_FILE_NAME.match(name) or CDC_FILE_NAME.match(name)):
            continue
        if name not in applied or applied[name] == logical_date:
            chosen.append(name)
    return chosen


def file_order(name: str) -> str:
    """Return a sort key that puts full-load files before CDC files, each by name."""
    return ("0:" if LOAD_FILE_NAME.match(name) else "1:") + name


def read_changes(spark: SparkSession, uris: list[str]) -> DataFrame:
    """Read DMS files with each row's file order and row position; full-load rows without `Op` are inserts."""
    groups = [[uri for uri in uris if LOAD_FILE_NAME.match(uri.rsplit("/", 1)[-1])],
              [uri for uri in uris if not LOAD_FILE_NAME.match(uri.rsplit("/", 1)[-1])]]
    frames = []
    for group in (group for group in groups if group):
        df = spark.read.option("mergeSchema", "true").parquet(*group)
        if DMS_OP_COLUMN not in df.columns:
            df = df.withColumn(DMS_OP_COLUMN, F.lit("I"))
        file_name = F.col("_metadata.file_name")
        order_prefix = F.when(file_name.rlike(LOAD_FILE_NAME.pattern), F.lit("0:")).otherwise(F.lit("1:"))
        frames.append(df.withColumn("_file", F.concat(order_prefix, file_name))
                      .withColumn("_row", F.col("_metadata.row_index")))
    changes = frames[0]
    for frame in frames[1:]:
        changes = changes.unionByName(frame, allowMissingColumns=True)
    return changes.withColumn(DMS_COMMIT_TS_COLUMN, F.col(DMS_COMMIT_TS_COLUMN).cast("timestamp"))


def split_invalid(changes: DataFrame, keys: tuple[str, ...]) -> tuple[DataFrame, DataFrame]:
    """Return (valid, invalid) changes; invalid ones carry `_reason` and `_detail`."""
    problems = [
        (~F.col(DMS_OP_COLUMN).isin(*VALID_OPS) | F.col(DMS_OP_COLUMN).isNull(), "invalid_change", "Op is not I, U or D"),
        (F.col(DMS_COMMIT_TS_COLUMN).isNull(), "invalid_change", f"{DMS_COMMIT_TS_COLUMN} is missing or not a timestamp"),
    ] + [(F.col(key).isNull(), "missing_key", f"primary key column {key} is null") for key in keys]
    reason, detail = F.lit(None).cast("string"), F.lit(None).cast("string")
    for condition, code, text in reversed(problems):
        reason = F.when(condition, F.lit(code)).otherwise(reason)
        detail = F.when(condition, F.lit(text)).otherwise(detail)
    flagged = changes.withColumn("_reason", reason).withColumn("_detail", detail)
    return flagged.filter(F.col("_reason").isNull()).drop("_reason", "_detail"), flagged.filter(F.col("_reason").isNotNull())


def latest_per_key(changes: DataFrame, keys: tuple[str, ...]) -> DataFrame:
    """Keep each key's last change by (commit time, file order, row position) and add the change sequence."""
    order = Window.partitionBy(*keys).orderBy(
        F.col(DMS_COMMIT_TS_COLUMN).desc(), F.col("_file").desc(), F.col("_row").desc())
    sequence = F.concat_ws(":", F.col("_file"), F.lpad(F.col("_row").cast("string"), 20, "0"))
    return (changes.withColumn("_rank", F.row_number().over(order)).filter("_rank = 1")
            .withColumn(CHANGE_SEQ_COLUMN, sequence).drop("_rank", "_file", "_row"))


def merge_changes(spark: SparkSession, latest: DataFrame, path: str, keys: tuple[str, ...]) -> None:
    """MERGE the latest changes into the current-state table, newest change wins, deletes are soft."""
    from delta.tables import DeltaTable

    data_columns = [name for name in latest.columns if name not in (DMS_OP_COLUMN,)]
    if not table_exists(spark, path):
        (latest.select(*data_columns).withColumn(DELETED_COLUMN, F.lit(False)).limit(0)
            .write.format("delta").save(path))

    newer = (f"s.{DMS_COMMIT_TS_COLUMN} > t.{DMS_COMMIT_TS_COLUMN} OR (s.{DMS_COMMIT_TS_COLUMN} = t.{DMS_COMMIT_TS_COLUMN} "
             f"AND s.{CHANGE_SEQ_COLUMN} > t.{CHANGE_SEQ_COLUMN})")
    upsert: dict[str, str | Column] = {name: F.col(f"s.{name}") for name in data_columns}
    upsert[DELETED_COLUMN] = F.lit(False)
    soft_delete: dict[str, str | Column] = {DELETED_COLUMN: F.lit(True), DMS_COMMIT_TS_COLUMN: F.col(f"s.{DMS_COMMIT_TS_COLUMN}"),
                   CHANGE_SEQ_COLUMN: F.col(f"s.{CHANGE_SEQ_COLUMN}")}
    insert: dict[str, str | Column] = {name: F.col(f"s.{name}") for name in data_columns}
    insert[DELETED_COLUMN] = F.col(f"s.{DMS_OP_COLUMN}") == "D"

    (DeltaTable.forPath(spark, path).alias("t")
        .merge(latest.alias("s"), " AND ".join(f"t.{key} = s.{key}" for key in keys))
        .whenMatchedUpdate(condition=f"({newer}) AND s.{DMS_OP_COLUMN} = 'D'", set=soft_delete)
        .whenMatchedUpdate(condition=newer, set=upsert)
        .whenNotMatchedInsert(values=insert)
        .execute())


def applied_files(spark: SparkSession, context: JobContext, table: str) -> dict[str, str]:
    state = read_delta(spark, context.curated(APPLIED_FILES_TABLE))
    if state is None:
        return {}
    rows = state.filter(F.col("table_name") == table).collect()
    return {row["file_name"]: row["logical_date"] for row in rows}


def record_applied(spark: SparkSession, context: JobContext, table: str, file_names: list[str]) -> None:
    from delta.tables import DeltaTable

    path = context.curated(APPLIED_FILES_TABLE)
    rows = spark.createDataFrame([(table, name, context.dt) for name in file_names],
                                 "table_name string, file_name string, logical_date string")
    if not table_exists(spark, path):
        rows.limit(0).write.format("delta").save(path)
    (DeltaTable.forPath(spark, path).alias("t")
        .merge(rows.alias("s"), "t.table_name = s.table_name AND t.file_name = s.file_name")
        .whenNotMatchedInsertAll().execute())


def apply_table(spark: SparkSession, context: JobContext, table: str, report: RunReport) -> None:
    keys = DMS_TABLE_KEYS[table]
    prefix = context.staging(f"dms/{DMS_SCHEMA}/{table}")
    names = [uri.rsplit("/", 1)[-1] for uri in list_files(spark, prefix, suffixes=(".parquet",))]
    chosen = eligible_files(names, context.dt, applied_files(spark, context, table))
    if not chosen:
        write_quarantine(spark, context, "cdc", f"{context.job_name}-{table}", [])
        report.add_input(f"dms/{table}", 0, 0)
        return

    changes = read_changes(spark, [f"{prefix}/{name}" for name in sorted(chosen, key=file_order)]).cache()
    valid, invalid = split_invalid(changes, keys)
    latest = latest_per_key(valid, keys).cache()
    merge_changes(spark, latest, context.curated(f"cdc/{table}"), keys)
    record_applied(spark, context, table, chosen)

    rejected = invalid.select(*quarantine_columns("cdc", F.concat(F.lit(prefix + "/"), F.substring_index("_file", ":", -1)),
                                                  F.col("_row"), F.col("_reason"), F.col("_detail"),
                                                  row_as_json([c for c in changes.columns if not c.startswith("_")])))
    quarantined = write_quarantine(spark, context, "cdc", f"{context.job_name}-{table}", rejected)
    rows_in, rows_out = changes.count(), latest.count()
    report.add_input(f"dms/{table}", rows_in, rows_out, quarantined=quarantined, superseded=rows_in - rows_out - quarantined)
    report.add_output(f"cdc/{table}", spark.read.format("delta").load(context.curated(f"cdc/{table}")).count())
    changes.unpersist()
    latest.unpersist()


def main() -> None:
    args = getResolvedOptions(sys.argv, COMMON_ARGUMENTS)
    glue_context = GlueContext(SparkContext.getOrCreate())
    spark = glue_context.spark_session
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)

    context = JobContext.from_args(args)
    report = RunReport(context.job_name, context.dt)
    tables = context.option("tables", ",".join(DMS_TABLE_KEYS)).split(",")
    for table in tables:
        if table not in DMS_TABLE_KEYS:
            raise ValueError(f"unknown table {table!r} in --tables; expected some of {', '.join(DMS_TABLE_KEYS)}")
        apply_table(spark, context, table, report)
    report.write(spark, context)

    job.commit()


if __name__ == "__main__":
    main()
