"""Redshift SQL: the Redshift Data API on the `aws` profile, the PostgreSQL stand-in locally.

The choice follows `[warehouse] engine` (`redshift` or `postgres`): the
warehouse package's `DataApiRunner` calls redshift-data ExecuteStatement and
its `PostgresRunner` runs the SQL after translation to PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from shoplake.settings import Settings
    from warehouse.runner import Runner

DATA_API_TIMEOUT_S = 3600.0


def open_warehouse(settings: Settings, statement_timeout_s: float = DATA_API_TIMEOUT_S) -> Runner:
    """Return the runner of `[warehouse] engine`; a Redshift statement fails after `statement_timeout_s`."""
    if settings.warehouse_engine == "redshift":
        from warehouse.data_api import DataApiRunner

        return DataApiRunner(settings, statement_timeout_s=statement_timeout_s)
    from warehouse.runner import open_runner

    return open_runner(settings)


def run_sql_file(settings: Settings, relative: str, params: Mapping[str, Any] | None = None,
                 statement_timeout_s: float = DATA_API_TIMEOUT_S) -> list[tuple[Any, ...]]:
    """Run every statement of `warehouse/sql/<relative>` in one session; return the last statement's rows."""
    with open_warehouse(settings, statement_timeout_s) as runner:
        return runner.run_file(relative, params)


def run_sql(settings: Settings, sql: str, params: Mapping[str, Any] | None = None,
            statement_timeout_s: float = DATA_API_TIMEOUT_S) -> list[tuple[Any, ...]]:
    """Run one statement written in Redshift's dialect with `:name` parameters bound; return its rows."""
    import sqlglot
    from sqlglot import exp

    from warehouse.sqlfiles import DIALECT

    parsed = sqlglot.parse(sql, read=DIALECT)
    statements = [statement for statement in parsed if statement is not None and not isinstance(statement, exp.Semicolon)]
    if len(statements) != 1:
        raise ValueError(f"expected one SQL statement, got {len(statements)}")
    with open_warehouse(settings, statement_timeout_s) as runner:
        return runner.execute(cast("exp.Expression", statements[0]), params, where="run_sql")
