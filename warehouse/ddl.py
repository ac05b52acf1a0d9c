"""Apply the warehouse DDL: schemas, star tables, audit tables, staging tables and BI views."""

from __future__ import annotations

from typing import TYPE_CHECKING

from warehouse.runner import open_runner
from warehouse.sqlfiles import ddl_files

if TYPE_CHECKING:
    from shoplake.settings import Settings


def apply_ddl(settings: Settings) -> list[str]:
    """Run every file of warehouse/sql/ddl in order and return their names; safe to repeat.

    Tables use CREATE ... IF NOT EXISTS and views CREATE OR REPLACE, so a second
    run changes nothing; a changed column of an existing table needs a migration.
    """
    files = ddl_files()
    with open_runner(settings) as runner:
        for relative in files:
            runner.run_file(relative)
    return files
