"""Glue job: load one logical date of star-schema extracts into the warehouse.

Runs the warehouse's Redshift SQL through `warehouse.load.load_date`, which
sends it to the Redshift Data API (engine `redshift`) or to the PostgreSQL
stand-in, and writes the usual run report (rows read, loaded, quarantined).
Optional `--fail_after_step copy` fails the run right after the COPY into
staging, for retry drills.
"""

from __future__ import annotations

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

from shoplake.settings import get_settings
from spark_jobs.common.context import COMMON_ARGUMENTS, JobContext
from spark_jobs.common.report import RunReport
from warehouse.load import load_date


def main() -> None:
    args = getResolvedOptions(sys.argv, COMMON_ARGUMENTS)
    glue_context = GlueContext(SparkContext.getOrCreate())
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    context = JobContext.from_args(args)

    counts = load_date(get_settings(), context.logical_date, fail_after_step=context.options.get("fail_after_step"))

    report = RunReport(context.job_name, context.dt)
    for table, row in counts.items():
        report.add_input(f"extracts/{table}", rows_in=row["read"], rows_out=row["loaded"], quarantined=row["rejected"])
        report.add_output(f"star.{table}", row["loaded"])
    report.write(glue_context.spark_session, context)
    job.commit()


if __name__ == "__main__":
    main()
