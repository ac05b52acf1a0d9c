"""Load one logical date from the Glue extracts into the star schema.

Steps: validate the extracts (rejected rows go to quarantine and to
audit.load_errors), empty staging, COPY each extract into staging, check that
rows read = rows staged + rows rejected, then in one transaction replace the
date's rows in every dimension and fact and record the audit, and finally
ANALYZE. A failure before the commit leaves the star schema as it was, and a
re-run of the date gives the same rows as one clean run. Loads share the
staging tables, so the runner's staging lock lets one load at a time past prepare.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from warehouse import extracts
from warehouse.errors import InjectedFailure, LoadBalanceError
from warehouse.runner import open_runner
from warehouse.tables import STAGING_SCHEMA, STAR_TABLES

if TYPE_CHECKING:
    from shoplake.settings import Settings
    from warehouse.runner import Runner
    from warehouse.validate import Rejection

log = logging.getLogger(__name__)

TRUNCATE_STAGING = "load/10_truncate_staging.sql"
COUNT_STAGING = "load/30_count_staging.sql"
MERGE_STAR = "load/40_merge_star.sql"
RECORD_AUDIT = "load/50_record_audit.sql"
ANALYZE = "load/60_analyze.sql"
FAILURE_STEPS = ("copy",)


@dataclass
class TablePlan:
    """What the load of one table reads, rejects and COPYs."""

    table: str
    copy_uri: str
    rows_read: int
    rejections: list[Rejection]

    @property
    def rows_rejected(self) -> int:
        return len(self.rejections)


def load_date(settings: Settings, logical_date: date | str, *, fail_after_step: str | None = None) -> dict[str, dict[str, int]]:
    """Load the extracts of `logical_date` into the warehouse; return read/loaded/rejected counts per table.

    `fail_after_step="copy"` raises InjectedFailure right after the COPY into
    staging, so tests and retry drills can check that the next run repairs it.
    """
    day = date.fromisoformat(logical_date) if isinstance(logical_date, str) else logical_date
    if fail_after_step not in (None, *FAILURE_STEPS):
        raise ValueError(f"invalid fail_after_step {fail_after_step!r}: expected one of {FAILURE_STEPS}")

    plans = prepare(settings, day)
    role_arn = settings.section("warehouse").get("copy_role_arn")
    with open_runner(settings) as runner, runner.staging_lock():
        _copy_into_staging(runner, settings, day, plans, role_arn)
        if fail_after_step == "copy":
            raise InjectedFailure(f"failure injected after the COPY into staging for {day.isoformat()}")
        loaded = _check_balance(runner, plans)
        _merge(runner, day, plans, loaded)
        runner.run_file(ANALYZE)

    counts = {plan.table: {"read": plan.rows_read, "loaded": loaded[plan.table], "rejected": plan.rows_rejected}
              for plan in plans}
    log.debug("loaded %s: %s", day.isoformat(), counts)
    return counts


def prepare(settings: Settings, day: date) -> list[TablePlan]:
    """Validate every table's extract, write quarantine files and return what to COPY."""
    from shoplake import aws

    s3 = aws.client("s3", settings)
    plans = []
    for star_table in STAR_TABLES:
        files = extracts.read_and_validate(s3, settings, star_table.name, day)
        rejections = [rejection for file in files for rejection in file.rejections]
        extracts.write_quarantine(s3, settings, star_table.name, day, rejections)
        copy_uri = extracts.copy_source(s3, settings, star_table.name, day, files)
        plans.append(TablePlan(star_table.name, copy_uri, sum(file.rows_read for file in files), rejections))
    return plans


def _copy_into_staging(runner: Runner, settings: Settings, day: date, plans: list[TablePlan], role_arn: Any) -> None:
    from shoplake import aws

    runner.run_file(TRUNCATE_STAGING)
    for plan in plans:
        runner.copy(STAGING_SCHEMA, plan.table, plan.copy_uri, role_arn)

    all_rejections = [rejection for plan in plans for rejection in plan.rejections]
    errors_uri = extracts.write_load_errors(aws.client("s3", settings), settings, day, all_rejections)
    if errors_uri is not None:
        runner.copy(STAGING_SCHEMA, "load_errors", errors_uri, role_arn)


def _check_balance(runner: Runner, plans: list[TablePlan]) -> dict[str, int]:
    staged = {str(name): int(count) for name, count in runner.run_file(COUNT_STAGING)}
    for plan in plans:
        if plan.rows_read != staged[plan.table] + plan.rows_rejected:
            raise LoadBalanceError(f"star.{plan.table}: read {plan.rows_read} rows but staged {staged[plan.table]} "
                                   f"and rejected {plan.rows_rejected}; check the COPY source {plan.copy_uri}")
    return staged


def _merge(runner: Runner, day: date, plans: list[TablePlan], loaded: dict[str, int]) -> None:
    with runner.transaction():
        runner.run_file(MERGE_STAR, {"logical_date": day.isoformat()})
        for plan in plans:
            runner.run_file(RECORD_AUDIT, {
                "logical_date": day.isoformat(),
                "table_name": f"star.{plan.table}",
                "source_uri": plan.copy_uri,
                "rows_read": plan.rows_read,
                "rows_loaded": loaded[plan.table],
                "rows_rejected": plan.rows_rejected,
            })
