"""Exceptions of the warehouse; each message names the table, object or statement and what to check."""

from __future__ import annotations

from shoplake.errors import ShoplakeError


class WarehouseError(ShoplakeError):
    """Base class of warehouse failures."""

    exit_code = 5


class SqlExecutionError(WarehouseError):
    """A statement of a warehouse .sql file failed on the engine."""


class StatementTimeoutError(WarehouseError):
    """A Redshift Data API statement did not finish within its timeout."""


class ExtractNotFoundError(WarehouseError):
    """A table's Parquet extract for the logical date is missing."""


class ExtractSchemaError(WarehouseError):
    """A Parquet extract's columns or types do not match the table's DDL."""


class LoadBalanceError(WarehouseError):
    """Rows read from an extract != rows staged + rows rejected."""


class InjectedFailure(WarehouseError):
    """A failure raised on purpose by `load_date(..., fail_after_step=...)` to test retries."""
