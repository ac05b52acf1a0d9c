"""Run a Glue job script for one logical date: locally with Spark, or as an AWS Glue job run.

Locally the job file runs unchanged with the `awsglue` stand-in from `_glue_local/` on its path:
in this process through `runpy` when a SparkSession is already active (tests, the DAG worker),
otherwise in a child `spark-submit` process with shoplake's Spark options. Either way the
function returns the job's run report, read back from the curated bucket.
"""

from __future__ import annotations

import json
import logging
import os
import runpy
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from shoplake.errors import ShoplakeError
from shoplake.settings import PROJECT_ROOT, Settings
from spark_jobs.common.report import report_key

log = logging.getLogger(__name__)

JOBS_DIR = Path(__file__).resolve().parent
GLUE_SHIM_DIR = JOBS_DIR / "_glue_local"
JOBS = ("catalog_ingest", "cdc_apply", "clean_conform", "customer_360", "star_schema", "warehouse_load")
GLUE_TERMINAL_STATES = {"SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT", "ERROR", "EXPIRED"}
GLUE_POLL_SECONDS = 30
GLUE_TIMEOUT_SECONDS = 4 * 3600


class GlueJobError(ShoplakeError):
    """A Glue job run failed, locally or on AWS."""


def run_job(settings: Settings, job_name: str, logical_date: str, extra_args: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `job_name` for `logical_date` (YYYY-MM-DD) and return its report plus `mode` and `seconds`."""
    _check_job(job_name, logical_date)
    arguments = job_arguments(settings, job_name, logical_date, extra_args or {})

    from shoplake import aws

    aws.activate(settings)
    started = time.monotonic()
    if not settings.is_local:
        mode = "aws-glue"
        _run_on_glue(settings, job_name, arguments)
    elif _active_spark_session() is not None or _local_mode(settings) == "in-process":
        mode = "in-process"
        _ensure_spark_session(settings)
        _run_in_process(job_name, arguments)
    else:
        mode = "spark-submit"
        _run_with_spark_submit(settings, job_name, arguments)
    seconds = round(time.monotonic() - started, 3)

    report = read_report(arguments["curated_bucket"], job_name, logical_date)
    log.info("glue job %s %s finished in %.1f s (%s): %s", job_name, logical_date, seconds, mode, report.get("totals"))
    return report | {"mode": mode, "seconds": seconds}


def job_arguments(settings: Settings, job_name: str, logical_date: str, extra_args: dict[str, str]) -> dict[str, str]:
    """Return the Glue job arguments (without the leading `--`) of one run."""
    arguments = {
        "JOB_NAME": job_name,
        "logical_date": logical_date,
        "raw_bucket": settings.buckets.raw,
        "staging_bucket": settings.buckets.staging,
        "curated_bucket": settings.buckets.curated,
        "quarantine_bucket": settings.buckets.quarantine,
        "job-bookmark-option": "job-bookmark-enable",
    }
    arguments.update(extra_args)
    return arguments


def read_report(curated_bucket: str, job_name: str, logical_date: str) -> dict[str, Any]:
    import boto3
    from botocore.exceptions import ClientError

    key = report_key(job_name, logical_date)
    try:
        body = boto3.client("s3").get_object(Bucket=curated_bucket, Key=key)["Body"].read()
    except ClientError as exc:
        raise GlueJobError(f"run report s3://{curated_bucket}/{key} not found after job {job_name} ran; "
                           "check the job's output for errors") from exc
    return json.loads(body)


def _check_job(job_name: str, logical_date: str) -> None:
    if job_name not in JOBS:
        raise GlueJobError(f"unknown Glue job {job_name!r}; expected one of {', '.join(JOBS)}")
    try:
        date.fromisoformat(logical_date)
    except ValueError:
        raise GlueJobError(f"invalid logical date {logical_date!r}; expected YYYY-MM-DD") from None


def _argv(job_name: str, arguments: dict[str, str]) -> list[str]:
    argv = [str(JOBS_DIR / f"{job_name}.py")]
    for key, value in arguments.items():
        argv += [f"--{key}", value]
    return argv


def _local_mode(settings: Settings) -> str:
    """Return `[glue] local_mode`: `spark-submit` (a JVM per job, as Glue isolates runs) or `in-process`.

    In-process runs share one SparkSession across the jobs of a worker process, which saves the
    JVM start-up and connector loading of every job; the job files are the same either way.
    """
    mode = str(settings.section("glue").get("local_mode", "spark-submit"))
    if mode not in ("spark-submit", "in-process"):
        raise GlueJobError(f"invalid setting [glue] local_mode = {mode!r} in {settings.source_file}; "
                           "expected spark-submit or in-process")
    return mode


def _ensure_spark_session(settings: Settings) -> None:
    if _active_spark_session() is None:
        from shoplake.spark import get_spark

        get_spark("shoplake-glue-local", settings)


def _active_spark_session():
    if "pyspark" not in sys.modules:
        return None
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession()


def _run_in_process(job_name: str, arguments: dict[str, str]) -> None:
    saved_argv = sys.argv
    if str(GLUE_SHIM_DIR) not in sys.path:
        sys.path.insert(0, str(GLUE_SHIM_DIR))
    sys.argv = _argv(job_name, arguments)
    try:
        runpy.run_path(sys.argv[0], run_name="__main__")
    finally:
        sys.argv = saved_argv


def _run_with_spark_submit(settings: Settings, job_name: str, arguments: dict[str, str]) -> None:
    from shoplake.aws import aws_environment
    from shoplake.java import ensure_java17
    from shoplake.spark import spark_options

    ensure_java17()
    command = [str(Path(sys.executable).parent / "spark-submit")]
    for key, value in spark_options(settings).items():
        command += ["--conf", f"{key}={value}"]
    command += _argv(job_name, arguments)

    env = os.environ | aws_environment(settings) | {
        "PYTHONPATH": os.pathsep.join([str(GLUE_SHIM_DIR), str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")]),
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    log.info("spark-submit %s for %s", job_name, arguments["logical_date"])
    result = subprocess.run(command, env=env, check=False)
    if result.returncode != 0:
        raise GlueJobError(f"spark-submit of Glue job {job_name} exited with {result.returncode}; see its output above")


def _run_on_glue(settings: Settings, job_name: str, arguments: dict[str, str]) -> None:
    """Start the AWS Glue job (glue:StartJobRun) and poll glue:GetJobRun until it ends."""
    import boto3

    glue_name = settings.section("glue").get("job_name_prefix", "shoplake-") + job_name
    client = boto3.client("glue")
    run_arguments = {f"--{key}": value for key, value in arguments.items() if key != "JOB_NAME"}
    run_id = client.start_job_run(JobName=glue_name, Arguments=run_arguments)["JobRunId"]
    log.info("started Glue job %s run %s", glue_name, run_id)

    deadline = time.monotonic() + GLUE_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        run = client.get_job_run(JobName=glue_name, RunId=run_id)["JobRun"]
        if run["JobRunState"] in GLUE_TERMINAL_STATES:
            if run["JobRunState"] != "SUCCEEDED":
                raise GlueJobError(f"Glue job {glue_name} run {run_id} ended {run['JobRunState']}: {run.get('ErrorMessage', '')}")
            return
        time.sleep(GLUE_POLL_SECONDS)
    raise GlueJobError(f"Glue job {glue_name} run {run_id} timed out after {GLUE_TIMEOUT_SECONDS} s; check the Glue console")
