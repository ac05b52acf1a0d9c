"""Glue job runs: AWS Glue StartJobRun on the `aws` profile, `spark_jobs.runner` locally."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from shoplake import aws
from shoplake.adapters.polling import PollPolicy, poll_until_final
from shoplake.errors import ShoplakeError

if TYPE_CHECKING:
    from shoplake.settings import Settings

log = logging.getLogger(__name__)

GLUE_POLL = PollPolicy(delay_s=30.0, timeout_s=4 * 3600.0)
SUCCEEDED = "SUCCEEDED"
FINAL_STATES = {SUCCEEDED, "FAILED", "STOPPED", "TIMEOUT", "ERROR", "EXPIRED"}
DEFAULT_JOB_PREFIX = "shoplake-"


class GlueJobRunError(ShoplakeError):
    """A Glue job run ended in a state other than SUCCEEDED; `job_run` is GetJobRun's JobRun."""

    def __init__(self, message: str, job_run: dict[str, Any]) -> None:
        super().__init__(message)
        self.job_run = job_run


def run_job(settings: Settings, job_name: str, logical_date: str, args: dict[str, str] | None = None,
            poll: PollPolicy = GLUE_POLL) -> dict[str, Any]:
    """Run the Glue job `job_name` for `logical_date` and return its run summary.

    On `aws` this starts the deployed job `<[glue] job_name_prefix><job_name>` and waits for it;
    on local profiles the same script runs through `spark_jobs.runner.run_job`.
    """
    if settings.is_local:
        from spark_jobs.runner import run_job as run_local_job

        return run_local_job(settings, job_name, logical_date, args)
    return _run_on_aws(settings, job_name, logical_date, args or {}, poll)


def start_arguments(logical_date: str, args: dict[str, str]) -> dict[str, str]:
    """Return StartJobRun's Arguments: `--logical_date` plus each extra argument with a leading `--`."""
    arguments = {"--logical_date": logical_date}
    for key, value in args.items():
        arguments[key if key.startswith("--") else f"--{key}"] = str(value)
    return arguments


def _run_on_aws(settings: Settings, job_name: str, logical_date: str, args: dict[str, str],
                poll: PollPolicy) -> dict[str, Any]:
    """Call glue:StartJobRun, then glue:GetJobRun until the run is final."""
    glue_name = settings.section("glue").get("job_name_prefix", DEFAULT_JOB_PREFIX) + job_name
    client = aws.client("glue", settings)
    run_id = client.start_job_run(JobName=glue_name, Arguments=start_arguments(logical_date, args))["JobRunId"]
    log.info("started Glue job %s run %s for %s: https://%s.console.aws.amazon.com/gluestudio/home#/job/%s/run/%s",
             glue_name, run_id, logical_date, settings.region, glue_name, run_id)

    run = poll_until_final(
        lambda: client.get_job_run(JobName=glue_name, RunId=run_id)["JobRun"],
        lambda job_run: job_run["JobRunState"] in FINAL_STATES,
        poll, f"Glue job {glue_name} run {run_id}")
    if run["JobRunState"] != SUCCEEDED:
        raise GlueJobRunError(f"Glue job {glue_name} run {run_id} for {logical_date} ended {run['JobRunState']}: "
                              f"{run.get('ErrorMessage', 'no error message')}", run)
    log.info("Glue job %s run %s succeeded in %s s", glue_name, run_id, run.get("ExecutionTime"))
    return {"mode": "aws-glue", "job_name": glue_name, "job_run_id": run_id, "state": run["JobRunState"],
            "execution_seconds": run.get("ExecutionTime", 0), "dpu_hours": dpu_hours(run)}


def dpu_hours(job_run: dict[str, Any]) -> float:
    """Return the run's DPU-hours: DPUSeconds when Glue reports it (auto scaling), else capacity x time."""
    if job_run.get("DPUSeconds"):
        return float(job_run["DPUSeconds"]) / 3600
    capacity = job_run.get("MaxCapacity") or 0.0
    if not capacity and job_run.get("NumberOfWorkers"):
        capacity = job_run["NumberOfWorkers"] * WORKER_DPU.get(job_run.get("WorkerType", "G.1X"), 1.0)
    return float(capacity) * float(job_run.get("ExecutionTime", 0)) / 3600


# DPUs per worker type, from the AWS Glue documentation of worker types.
WORKER_DPU = {"G.025X": 0.25, "G.1X": 1.0, "G.2X": 2.0, "G.4X": 4.0, "G.8X": 8.0}
