"""Glue job: product-catalog CSV drops in the raw zone -> staged Parquet for one logical date.

Reads `s3://<raw>/catalog/dt=<date>/*.csv`, parses every file with its own dialect, checks the
header against the catalog contract and writes typed rows to `s3://<staging>/catalog/dt=<date>/`
(replaced on a re-run). Bad rows, and every row of a file with a bad header, go to
`s3://<quarantine>/catalog/dt=<date>/catalog_ingest.jsonl` with a reason.
"""

from __future__ import annotations

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

from spark_jobs.common.catalog_csv import parse_catalog_file
from spark_jobs.common.context import COMMON_ARGUMENTS, JobContext
from spark_jobs.common.quarantine import write_quarantine
from spark_jobs.common.report import RunReport
from spark_jobs.common.storage import list_files

STAGED_SCHEMA = T.StructType([
    T.StructField("sku", T.StringType(), False),
    T.StructField("name", T.StringType(), False),
    T.StructField("description", T.StringType(), True),
    T.StructField("category", T.StringType(), True),
    T.StructField("price", T.DecimalType(12, 2), False),
    T.StructField("currency", T.StringType(), True),
    T.StructField("updated_at", T.TimestampType(), True),
    T.StructField("source_file", T.StringType(), False),
    T.StructField("source_line", T.IntegerType(), False),
])


def _parse(item: tuple[str, bytes]) -> list[tuple[str, dict]]:
    source, data = item
    rows, rejects = parse_catalog_file(source, bytes(data))
    return [("row", row) for row in rows] + [("reject", record) for record in rejects]


def stage_catalog(spark: SparkSession, context: JobContext) -> RunReport:
    """Parse the date's CSV files, write the staged Parquet and the quarantine file; return the counts."""
    report = RunReport(context.job_name, context.dt)
    files = list_files(spark, context.raw(f"catalog/dt={context.dt}"), suffixes=(".csv", ".CSV"))

    parsed = spark.sparkContext.binaryFiles(",".join(files)).flatMap(_parse).cache() if files else None
    rows = parsed.filter(lambda item: item[0] == "row").map(lambda item: item[1]).collect() if parsed else []
    rejects = parsed.filter(lambda item: item[0] == "reject").map(lambda item: item[1]).collect() if parsed else []

    staged: DataFrame = spark.createDataFrame(rows, STAGED_SCHEMA) if rows else spark.createDataFrame([], STAGED_SCHEMA)
    staged.coalesce(1).write.mode("overwrite").parquet(context.staging(f"catalog/dt={context.dt}"))
    quarantined = write_quarantine(spark, context, "catalog", context.job_name, rejects)

    report.add_input("catalog_csv", rows_in=len(rows) + len(rejects), rows_out=len(rows), quarantined=quarantined)
    report.add_output("staging/catalog", len(rows))
    report.add_output("catalog_files", len(files))
    return report


def main() -> None:
    args = getResolvedOptions(sys.argv, COMMON_ARGUMENTS)
    glue_context = GlueContext(SparkContext.getOrCreate())
    spark = glue_context.spark_session
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)

    context = JobContext.from_args(args)
    report = stage_catalog(spark, context)
    report.write(spark, context)

    job.commit()


if __name__ == "__main__":
    main()
