"""DMS replication: AWS DMS StartReplicationTask on the `aws` profile, shoplake's replicator locally."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from shoplake import aws
from shoplake.adapters.polling import PollPolicy, poll_until_final
from shoplake.errors import SettingsError, ShoplakeError

if TYPE_CHECKING:
    from shoplake.settings import Settings

log = logging.getLogger(__name__)

DMS_POLL = PollPolicy(delay_s=30.0, timeout_s=6 * 3600.0)
FAILED_STATES = {"failed", "stopped"}
CHANGING_STATES = {"creating", "modifying", "moving", "testing", "deleting"}


class ReplicationTaskError(ShoplakeError):
    """The DMS task failed or stopped; `task` is DescribeReplicationTasks' entry."""

    def __init__(self, message: str, task: dict[str, Any]) -> None:
        super().__init__(message)
        self.task = task


def run_task(settings: Settings, poll: PollPolicy = DMS_POLL) -> dict[str, Any]:
    """Bring the source tables up to date in the staging zone and return the task's statistics.

    On `aws` this starts the deployed full-load-and-CDC task unless it is running already and
    waits until its full load is complete; locally it runs `services.dms.task.run_until_caught_up`.
    """
    if settings.is_local:
        from services.dms.task import run_until_caught_up

        return run_until_caught_up(settings)
    return _run_on_aws(settings, poll)


def start_type(task: dict[str, Any]) -> str | None:
    """Return StartReplicationTaskType for the task's state, or None when it is already running."""
    if task["Status"] in ("running", "starting"):
        return None
    if task.get("ReplicationTaskStartDate") or task["Status"] == "stopped":
        return "resume-processing"
    return "start-replication"


def _task_arn(settings: Settings) -> str:
    arn = settings.section("dms").get("replication_task_arn")
    if not arn:
        raise SettingsError(f"missing setting [dms] replication_task_arn in {settings.source_file}; "
                            "copy DmsReplicationTaskArn from the CDK stack's outputs")
    return str(arn)


def _run_on_aws(settings: Settings, poll: PollPolicy) -> dict[str, Any]:
    """Call dms:StartReplicationTask if needed, then dms:DescribeReplicationTasks until the full load is done."""
    arn = _task_arn(settings)
    client = aws.client("dms", settings)

    def describe() -> dict[str, Any]:
        tasks = client.describe_replication_tasks(
            Filters=[{"Name": "replication-task-arn", "Values": [arn]}], WithoutSettings=True)["ReplicationTasks"]
        if not tasks:
            raise ReplicationTaskError(f"DMS task {arn} not found; check [dms] replication_task_arn", {})
        return tasks[0]

    current = poll_until_final(describe, lambda task: task["Status"] not in CHANGING_STATES, poll, f"DMS task {arn}")
    kind = start_type(current)
    if kind:
        client.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType=kind)
        log.info("started DMS task %s (%s)", arn, kind)

    task = poll_until_final(describe, _caught_up_or_failed, poll, f"DMS task {arn}")
    if task["Status"] in FAILED_STATES:
        raise ReplicationTaskError(f"DMS task {arn} is {task['Status']}: "
                                   f"{task.get('LastFailureMessage') or task.get('StopReason', 'no reason given')}", task)
    statistics = task.get("ReplicationTaskStats", {})
    return {"mode": "aws-dms", "task_arn": arn, "status": task["Status"], "statistics": statistics}


def _caught_up_or_failed(task: dict[str, Any]) -> bool:
    if task["Status"] in FAILED_STATES:
        return True
    progress = task.get("ReplicationTaskStats", {}).get("FullLoadProgressPercent", 0)
    return task["Status"] == "running" and progress >= 100
