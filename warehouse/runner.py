"""Run the warehouse's .sql files on the engine of the active profile.

`open_runner(settings)` returns a `PostgresRunner` (engine `postgres`: the
local stand-in, after translation) or a `DataApiRunner` (engine `redshift`:
the Redshift Data API). Both take statements in Redshift's dialect, bind
`:name` parameters and run a transaction as BEGIN ... COMMIT in one session.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from warehouse import identifiers
from warehouse.sqlfiles import statements

if TYPE_CHECKING:
    from shoplake.settings import Settings

log = logging.getLogger(__name__)

COPY_TEMPLATE = "load/20_copy_extract.sql"
Row = tuple[Any, ...]


class Runner(ABC):
    """Execute parsed Redshift statements, one session per runner."""

    engine: str = ""

    def run_file(self, relative: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Execute every statement of a warehouse/sql file in order; return the rows of the last one."""
        rows: list[Row] = []
        for index, statement in enumerate(statements(relative), start=1):
            rows = self.execute(statement, params, where=f"{relative} statement {index}")
        return rows

    def copy(self, schema: str, table: str, source_uri: str, role_arn: str | None) -> None:
        """Run the COPY template for `schema.table` from the S3 prefix `source_uri`."""
        statement = copy_statement(schema, table, source_uri, role_arn)
        self.execute(statement, None, where=f"{COPY_TEMPLATE} for {schema}.{table}")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block inside BEGIN ... COMMIT; ROLLBACK and re-raise when it fails."""
        self.execute(exp.Transaction(), None, where="BEGIN")
        try:
            yield
        except BaseException:
            log.debug("rolling back the open transaction")
            self.execute(exp.Rollback(), None, where="ROLLBACK")
            raise
        self.execute(exp.Commit(), None, where="COMMIT")

    @contextmanager
    def staging_lock(self) -> Iterator[None]:
        """Hold the warehouse's lock on the shared staging tables for the block (one load at a time).

        Two loads at once would truncate and fill the same `stg` tables, so each
        would see the other's rows, fail its balance check or merge an emptied table.
        """
        # NOTE: Redshift has no session advisory lock, so on the redshift engine only the
        # scheduler (the DAG's max_active_runs=1) keeps loads from overlapping.
        yield

    @abstractmethod
    def execute(self, statement: exp.Expression, params: Mapping[str, Any] | None, *, where: str) -> list[Row]:
        """Execute one statement; `where` names it in error messages."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def copy_statement(schema: str, table: str, source_uri: str, role_arn: str | None) -> exp.Copy:
    """Build a COPY from the template file, with a validated, quoted table and the given S3 prefix and role."""
    template = statements(COPY_TEMPLATE)[0].copy()
    if not isinstance(template, exp.Copy):
        raise ValueError(f"{COPY_TEMPLATE} must contain one COPY statement")
    if not source_uri.startswith("s3://"):
        raise ValueError(f"invalid COPY source {source_uri!r}: expected an s3:// prefix")
    identifiers.bucket(source_uri[len("s3://"):].split("/", 1)[0])

    template.set("this", identifiers.table(schema, table))
    template.set("files", [exp.Literal.string(source_uri)])
    credentials = template.args.get("credentials")
    if role_arn and credentials is not None:
        credentials.set("iam_role", exp.Literal.string(identifiers.role_arn(role_arn)))
    elif credentials is not None:
        credentials.set("iam_role", exp.var("default"))
    return template


def used_parameters(statement: exp.Expression, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return the entries of `params` that the statement's `:name` placeholders use; raise for a missing one."""
    names = {placeholder.name for placeholder in statement.find_all(exp.Placeholder)}
    missing = names - set(params or {})
    if missing:
        raise ValueError(f"missing SQL parameter(s) {', '.join(sorted(missing))} for: {statement.sql('redshift')[:120]}")
    return {name: (params or {})[name] for name in names}


def open_runner(settings: Settings) -> Runner:
    """Return the runner of the profile's warehouse engine (`[warehouse] engine`: postgres or redshift)."""
    if settings.warehouse_engine == "redshift":
        from warehouse.data_api import DataApiRunner

        return DataApiRunner(settings)
    from warehouse.postgres import PostgresRunner

    return PostgresRunner(settings)
