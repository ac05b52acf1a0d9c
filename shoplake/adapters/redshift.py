"""Redshift SQL: the Redshift Data API on the `aws` profile, the PostgreSQL stand-in locally.

The choice follows `[warehouse] engine` (`redshift` or `postgres`) through
`warehouse.runner.open_runner`, whose `DataApiRunner` calls redshift-data
ExecuteStatement and whose `PostgresRunner` runs the translated SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shoplake.settings import Settings


def run_sql_file(settings: Settings, relative: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Run every statement of `warehouse/sql/<relative>` in one session; return the last statement's rows."""
    from warehouse.runner import open_runner

    with open_runner(settings) as runner:
        return runner.run_file(relative, params)


def run_sql(settings: Settings, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Run one statement written in Redshift's dialect with `:name` parameters bound; return its rows."""
    import sqlglot
    from sqlglot import exp

    from warehouse.runner import open_runner
    from warehouse.sqlfiles import DIALECT

    parsed = sqlglot.parse(sql, read=DIALECT)
    statements = [statement for statement in parsed if statement is not None and not isinstance(statement, exp.Semicolon)]
    if len(statements) != 1:
        raise ValueError(f"expected one SQL statement, got {len(statements)}")
    with open_runner(settings) as runner:
        return runner.execute(statements[0], params, where="run_sql")
