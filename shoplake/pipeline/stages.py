"""The pipeline's stages: one function per DAG task, each calling the code that does the work.

Every stage takes the settings and the logical date (the UTC calendar date of
the data interval) and returns a dict of counts, which becomes the task's XCom.
Each implementation is imported when the stage runs, so parsing the DAG imports
none of them, and a missing module fails the task with `StageMissingError`.

Glue jobs and DMS replication go through `shoplake.adapters`, and the
warehouse load through `warehouse.load` (Redshift Data API on `aws`), which
pick AWS or the local engine from the profile, so no stage branches on it.

`[pipeline] stage_module` (`SHOPLAKE_PIPELINE__STAGE_MODULE`) names a module
with functions of the same names to use instead; the orchestration tests use
it to run the DAG with small stand-in stages.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from shoplake.pipeline.errors import StageMissingError

if TYPE_CHECKING:
    from shoplake.settings import Settings

Counts = dict[str, Any]
StageFunction = Callable[["Settings", date], Counts]


def require(stage: str, module_name: str, function_name: str) -> Callable[..., Any]:
    """Import `module_name.function_name`, or raise `StageMissingError` naming what is missing."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise StageMissingError(stage, module_name, function_name, f"module {exc.name} not found") from exc
    function = getattr(module, function_name, None)
    if not callable(function):
        raise StageMissingError(stage, module_name, function_name, f"{module_name} has no function {function_name}")
    return function


def access_logs(settings: Settings, day: date) -> Counts:
    """Run the log-processor Lambda handler over the day's unprocessed raw objects and flush Firehose."""
    return require("access_logs", "services.runner.logs", "run_log_processor")(settings, day)


def campaign_events(settings: Settings, day: date) -> Counts:
    """Drain the campaign stream through the campaign Lambda handler."""
    run = require("campaign_events", "services.runner.campaigns", "run_campaign_processor")
    return run(settings, until_caught_up=True)


def source_db(settings: Settings, day: date) -> Counts:
    """Replicate the source database (full load, then CDC) until the replication task has caught up."""
    return require("source_db", "shoplake.adapters.dms", "run_task")(settings)


def catalog(settings: Settings, day: date) -> Counts:
    return _glue_job("catalog", "catalog_ingest", settings, day)


def cdc_apply(settings: Settings, day: date) -> Counts:
    return _glue_job("cdc_apply", "cdc_apply", settings, day)


def clean_conform(settings: Settings, day: date) -> Counts:
    return _glue_job("clean_conform", "clean_conform", settings, day)


def customer_360(settings: Settings, day: date) -> Counts:
    return _glue_job("customer_360", "customer_360", settings, day)


def star_schema(settings: Settings, day: date) -> Counts:
    return _glue_job("star_schema", "star_schema", settings, day)


def warehouse_schema(settings: Settings, day: date) -> Counts:
    """Create or update the warehouse's schemas, tables and marts (the DDL is idempotent)."""
    applied = require("warehouse_schema", "warehouse.ddl", "apply_ddl")(settings)
    return {"ddl_files": len(applied)}


def warehouse_copy(settings: Settings, day: date) -> Counts:
    """Run the warehouse_load Glue job: COPY the day's star-schema extracts, then delete-insert by date."""
    return _glue_job("warehouse_copy", "warehouse_load", settings, day)


def dashboard(settings: Settings, day: date) -> Counts:
    """Render the Linux dashboard from the warehouse."""
    out_dir = settings.data_dir / "dashboard"
    result = require("dashboard", "powerbi.dashboard", "build")(settings, out_dir)
    return result if isinstance(result, dict) else {"path": str(result or out_dir)}


def _glue_job(stage: str, job_name: str, settings: Settings, day: date) -> Counts:
    return require(stage, "shoplake.adapters.glue", "run_job")(settings, job_name, day.isoformat(), {})


STAGES: dict[str, StageFunction] = {
    "access_logs": access_logs,
    "campaign_events": campaign_events,
    "source_db": source_db,
    "catalog": catalog,
    "cdc_apply": cdc_apply,
    "clean_conform": clean_conform,
    "customer_360": customer_360,
    "star_schema": star_schema,
    "warehouse_schema": warehouse_schema,
    "warehouse_copy": warehouse_copy,
    "dashboard": dashboard,
}


def resolve(stage: str, settings: Settings) -> StageFunction:
    """Return the function of `stage`, from `[pipeline] stage_module` when that is set."""
    if stage not in STAGES:
        raise KeyError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
    module_name = settings.section("pipeline").get("stage_module")
    if not module_name:
        return STAGES[stage]
    return require(stage, str(module_name), stage)
