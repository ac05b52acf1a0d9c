"""The local stand-in engine: Redshift statements translated for PostgreSQL, COPY emulated from S3."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import psycopg2
from sqlglot import exp

from warehouse.copy_emulation import copy_parquet
from warehouse.errors import SqlExecutionError
from warehouse.runner import Row, Runner, used_parameters
from warehouse.translate import to_postgres

if TYPE_CHECKING:
    from shoplake.settings import Settings

log = logging.getLogger(__name__)
STAGING_LOCK_NAME = "shoplake.warehouse.staging"


class PostgresRunner(Runner):
    """One autocommit connection to `settings.warehouse_dsn()`; transactions are explicit BEGIN/COMMIT."""

    engine = "postgres"

    def __init__(self, settings: Settings) -> None:
        from shoplake import aws

        self._settings = settings
        self._connection = self._connect()
        self._connection.autocommit = True
        self._s3 = aws.client("s3", settings)

    def execute(self, statement: exp.Expression, params: Mapping[str, Any] | None, *, where: str) -> list[Row]:
        bound = used_parameters(statement, params)
        if isinstance(statement, exp.Copy):
            copy_parquet(self._connection, statement, self._s3, where=where, connect=self._connect)
            return []

        sql = to_postgres(statement)
        log.debug("%s: %s", where, sql)
        try:
            with self._connection.cursor() as cursor:
                cursor.execute(sql, bound or None)
                return list(cursor.fetchall()) if cursor.description else []
        except psycopg2.Error as exc:
            message = (exc.pgerror or str(exc)).strip()
            raise SqlExecutionError(f"{where} failed on the PostgreSQL warehouse {self._settings.warehouse_db}: "
                                    f"{message}; statement: {sql[:300]}") from exc

    @contextmanager
    def staging_lock(self) -> Iterator[None]:
        """Hold a session advisory lock; PostgreSQL releases it too when this process dies."""
        with self._connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (STAGING_LOCK_NAME,))
            if not cursor.fetchone()[0]:
                log.info("waiting for another load of %s to finish", self._settings.warehouse_db)
                cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", (STAGING_LOCK_NAME,))
        try:
            yield
        finally:
            if not self._connection.closed:
                with self._connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", (STAGING_LOCK_NAME,))

    def close(self) -> None:
        self._connection.close()

    def _connect(self) -> Any:
        return psycopg2.connect(self._settings.warehouse_dsn())
