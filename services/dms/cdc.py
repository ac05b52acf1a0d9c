"""CDC: stream the slot's test_decoding changes into timestamp-named DMS files.

Transactions are buffered until their COMMIT and added whole to the current
batch, in commit order. A batch is flushed when CdcMaxBatchInterval seconds have
passed since its first transaction or its estimated size reaches CdcMinFileSize
kilobytes. A flush writes one file per table that has rows (all named with the
same write time), then the checkpoint, then acknowledges the batch's last commit
LSN to the slot (`flush_lsn`). Only then may PostgreSQL discard that WAL.

Restart: streaming resumes at the checkpoint's LSN, and transactions whose commit
LSN is at or below it are skipped. If the process dies after writing files but
before the checkpoint, those transactions are written again into files with later
names. The copies are identical and come later in file order, so applying the
files in the documented order (full load, then commit time, file name, row
number) still yields the source's current state.
"""

from __future__ import annotations

import logging
import select
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import psycopg2

from services.dms.catalog import Column, SourceTable, describe_table, selected_tables
from services.dms.context import TaskContext
from services.dms.decoding import UNCHANGED_TOAST, Begin, Change, Commit, Tuple, parse_message
from services.dms.errors import (
    FullLoadRequiredError,
    ReplicatorError,
    SchemaChangeError,
    SlotInUseError,
    UnsupportedChangeError,
    ValueConversionError,
)
from services.dms.files import cdc_file_key, encode_rows, next_cdc_file_name
from services.dms.source import connect_replication, current_wal_lsn, slot_in_use_message, slot_status
from services.dms.target import format_lsn
from services.dms.values import column_type, format_dms_timestamp

log = logging.getLogger(__name__)

DECODING_OPTIONS = {"include-xids": "1", "include-timestamp": "1", "skip-empty-xacts": "1"}
STATUS_INTERVAL_S = 10.0
IDLE_WAIT_S = 0.2
KEEPALIVE_REQUEST_INTERVAL_S = 0.5


@dataclass
class FlushReport:
    """Summary of one flush: file name, write time, rows per table and commit-time range (for lag figures)."""

    file_name: str
    written_at: datetime
    rows: dict[str, int]
    first_commit_at: datetime | None
    last_commit_at: datetime | None
    lsn: int


@dataclass
class Batch:
    """Committed transactions not yet in S3, as output rows per table."""

    rows: dict[str, list[list[Any]]] = field(default_factory=dict)
    size_bytes: int = 0
    started_at: float | None = None
    first_commit_at: datetime | None = None
    last_commit_at: datetime | None = None
    last_lsn: int | None = None

    @property
    def row_count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


class SchemaMismatch(Exception):
    """A change's columns differ from the table's known columns (internal signal)."""


class CdcStream:
    """One CDC session on the task's slot; `run()` returns the rows written per table."""

    def __init__(self, context: TaskContext, until_caught_up: bool = False, max_seconds: float | None = None,
                 on_flush: Callable[[FlushReport], None] | None = None) -> None:
        self.context = context
        self.target = context.config.target
        self.until_caught_up = until_caught_up
        self.max_seconds = max_seconds
        self.on_flush = on_flush
        self.stop_requested = False
        self.counts: dict[str, int] = {}
        self.files_written = 0

    def request_stop(self) -> None:
        """Ask the loop to flush what it has and return (safe from a signal handler)."""
        self.stop_requested = True

    def run(self) -> dict[str, int]:
        self.checkpoint = self.context.store.read_checkpoint()
        if not self.checkpoint.full_load_done:
            raise FullLoadRequiredError(f"no completed full load for slot {self.context.config.slot_name}; "
                                        "run 'shoplake dms full-load' (or 'shoplake dms run --until-caught-up')")
        self.sql = self.context.connect()
        try:
            self._check_slot()
            with self.sql.cursor() as cursor:
                self.tables = {table.qualified: table for table in
                               selected_tables(cursor, self.context.config.rules)}
            self.sql.commit()
            self.until_lsn = current_wal_lsn(self.sql) if self.until_caught_up else None
            self._stream()
        finally:
            self.sql.close()
        return dict(self.counts)

    def _check_slot(self) -> None:
        status = slot_status(self.sql, self.context.config.slot_name)
        if status is None:
            raise ReplicatorError(
                f"replication slot {self.context.config.slot_name} not found, but the checkpoint says CDC is at "
                f"{format_lsn(self.checkpoint.position)}: changes since then are lost; run "
                "'shoplake dms full-load' to reload every table")

    def _stream(self) -> None:
        replication = connect_replication(self.context.dsn, self.context.config.database)
        try:
            cursor = replication.cursor()
            try:
                cursor.start_replication(slot_name=self.context.config.slot_name, decode=True,
                                         start_lsn=self.checkpoint.position, options=DECODING_OPTIONS,
                                         status_interval=STATUS_INTERVAL_S)
            except psycopg2.errors.ObjectInUse as exc:
                raise SlotInUseError(slot_in_use_message(self.context.config.slot_name, None)) from exc
            log.info("CDC started on slot %s at %s", self.context.config.slot_name,
                     format_lsn(self.checkpoint.position))
            self._loop(cursor)
        finally:
            replication.close()

    def _loop(self, cursor) -> None:
        self.batch = Batch()
        self.transaction: list[Change] | None = None
        self.received_lsn = 0
        started = time.monotonic()
        last_keepalive_request = 0.0
        while True:
            message = cursor.read_message()
            if message is not None:
                self._handle(message.payload, message.data_start)
                if self._flush_due():
                    self._flush(cursor)
                if self._caught_up(self.received_lsn):
                    self._finish(cursor)
                    return
                continue

            if self._flush_due():
                self._flush(cursor)
            if self._caught_up(cursor.wal_end):
                self._finish(cursor)
                return
            if self.stop_requested or (self.max_seconds and time.monotonic() - started >= self.max_seconds):
                self._flush(cursor)
                return
            if self.until_lsn is not None and time.monotonic() - last_keepalive_request > KEEPALIVE_REQUEST_INTERVAL_S:
                cursor.send_feedback(reply=True)
                last_keepalive_request = time.monotonic()
            select.select([cursor], [], [], IDLE_WAIT_S)

    def _caught_up(self, position: int) -> bool:
        """Return whether `run --until-caught-up` has seen every commit before its target LSN."""
        return self.until_lsn is not None and self.transaction is None and position >= self.until_lsn

    def _handle(self, payload: str, lsn: int) -> None:
        message = parse_message(payload)
        if isinstance(message, Begin):
            self.transaction = []
        elif isinstance(message, Change):
            if self.transaction is None:
                raise ReplicatorError(f"change outside a transaction at LSN {format_lsn(lsn)}: {payload[:200]!r}")
            if f"{message.schema}.{message.table}" in self.tables:
                self.transaction.append(message)
        elif isinstance(message, Commit):
            changes, self.transaction = self.transaction or [], None
            self.received_lsn = lsn
            if lsn > self.checkpoint.position:
                self._add_transaction(changes, message, lsn)

    def _add_transaction(self, changes: list[Change], commit: Commit, lsn: int) -> None:
        """Convert one committed transaction to output rows and add it to the batch whole."""
        committed_at = commit.committed_at or datetime.now(UTC)
        try:
            rows = self._transaction_rows(changes, committed_at, lsn)
        except SchemaMismatch:
            self._flush(None)
            self._adopt_layouts(changes)
            rows = self._transaction_rows(changes, committed_at, lsn, after_reload=True)

        batch = self.batch
        for qualified, row, size in rows:
            batch.rows.setdefault(qualified, []).append(row)
            batch.size_bytes += size
        if batch.started_at is None:
            batch.started_at = time.monotonic()
        if rows:
            batch.first_commit_at = batch.first_commit_at or committed_at
            batch.last_commit_at = committed_at
        batch.last_lsn = lsn

    def _transaction_rows(self, changes: list[Change], committed_at: datetime, lsn: int,
                          after_reload: bool = False) -> list[tuple[str, list[Any], int]]:
        timestamp = format_dms_timestamp(committed_at)
        rows = []
        for change in changes:
            table = self.tables[f"{change.schema}.{change.table}"]
            try:
                for op, values, size in change_rows(table, change):
                    rows.append((table.qualified, [op, timestamp, *values] if self.target.timestamp_column
                                 else [op, *values], size))
            except SchemaMismatch as exc:
                if after_reload:
                    raise SchemaChangeError(
                        f"the columns of {table.qualified} changed at LSN {format_lsn(lsn)} in a way the files "
                        f"cannot follow ({exc}); every change before it is in S3. Run 'shoplake dms full-load' "
                        "to reload the tables with their new columns") from exc
                raise
            except ValueConversionError as exc:
                raise ValueConversionError(f"{table.qualified} at LSN {format_lsn(lsn)}: {exc}") from exc
        return rows

    def _adopt_layouts(self, changes: list[Change]) -> None:
        """Take each changed table's columns from its first change in the transaction.

        The catalog shows the columns as they are now, which can be newer than the
        change being decoded. So the change's own column list decides, and the catalog
        or the previous layout supplies each column's type modifier.
        """
        first: dict[str, Change] = {}
        for change in changes:
            first.setdefault(f"{change.schema}.{change.table}", change)
        with self.sql.cursor() as cursor:
            for name, change in first.items():
                old = self.tables[name]
                catalog = describe_table(cursor, old.schema, old.name)
                self.tables[name] = layout_for_change(old, catalog, change)
                log.warning("columns of %s changed: %s -> %s; later CDC files have the new columns", name,
                            ", ".join(old.column_names), ", ".join(self.tables[name].column_names))
        self.sql.commit()

    def _flush_due(self) -> bool:
        batch = self.batch
        if batch.started_at is None:
            return False
        if batch.size_bytes >= self.target.cdc_min_file_size_kb * 1024:
            return True
        return time.monotonic() - batch.started_at >= self.target.cdc_max_batch_interval_s

    def _flush(self, cursor) -> None:
        """Write the batch's files, then the checkpoint, then acknowledge the LSN to the slot."""
        batch = self.batch
        if batch.last_lsn is None:
            return
        report = None
        if batch.rows:
            report = self._write_files(batch)
        self._save_position(batch.last_lsn, batch.last_commit_at, report.file_name if report else None)
        if cursor is not None:
            cursor.send_feedback(flush_lsn=batch.last_lsn, force=True)
        self.batch = Batch()
        if report and self.on_flush:
            self.on_flush(report)

    def _write_files(self, batch: Batch) -> FlushReport:
        now = datetime.now(UTC)
        name = next_cdc_file_name(now, self.checkpoint.last_cdc_file)
        for qualified, rows in batch.rows.items():
            table = self.tables[qualified]
            body = encode_rows(self.target, table, rows, with_op=True)
            self.context.store.put(cdc_file_key(self.target, table, name), body)
            self.counts[qualified] = self.counts.get(qualified, 0) + len(rows)
            self.checkpoint.cdc_changes[qualified] = self.checkpoint.cdc_changes.get(qualified, 0) + len(rows)
        self.files_written += len(batch.rows)
        log.info("CDC file %s: %d rows in %d tables up to LSN %s", name, batch.row_count, len(batch.rows),
                 format_lsn(batch.last_lsn or 0))
        return FlushReport(name, datetime.now(UTC), {name: len(rows) for name, rows in batch.rows.items()},
                           batch.first_commit_at, batch.last_commit_at, batch.last_lsn or 0)

    def _save_position(self, lsn: int, committed_at: datetime | None, file_name: str | None) -> None:
        checkpoint = self.checkpoint
        checkpoint.cdc_lsn = format_lsn(lsn)
        if committed_at is not None:
            checkpoint.cdc_committed_at = format_dms_timestamp(committed_at)
        if file_name is not None:
            checkpoint.last_cdc_file = file_name
        self.context.store.write_checkpoint(checkpoint)

    def _finish(self, cursor) -> None:
        """Flush, then move the checkpoint to the server's sent position when nothing is pending."""
        self._flush(cursor)
        wal_end = cursor.wal_end
        if wal_end > self.checkpoint.position:
            self._save_position(wal_end, None, None)
            cursor.send_feedback(flush_lsn=wal_end, force=True)
        log.info("CDC caught up at %s", format_lsn(self.checkpoint.position))


def change_rows(table: SourceTable, change: Change) -> list[tuple[str, list[Any], int]]:
    """Return the DMS rows (Op, values in column order, size estimate) of one row change.

    An UPDATE that changes the primary key becomes a D row for the old key and an
    I row for the new one, so applying rows by key leaves no orphan behind.
    """
    if change.operation == "TRUNCATE":
        raise UnsupportedChangeError(
            f"TRUNCATE of {table.qualified} cannot be written as DMS CDC rows; run 'shoplake dms full-load' "
            "to reload the tables")
    if change.operation == "INSERT":
        return [("I", *_values(table, change.new or {}, exact=True))]
    if change.operation == "DELETE":
        if change.old is None:
            raise UnsupportedChangeError(f"DELETE on {table.qualified} without an old key; the table needs a "
                                         f"primary key or REPLICA IDENTITY FULL")
        return [("D", *_values(table, change.old, exact=False))]

    new = _fill_unchanged_toast(table, change.new or {}, change.old)
    if change.old is not None and _key_text(table, change.old) != _key_text(table, new):
        return [("D", *_values(table, change.old, exact=False)), ("I", *_values(table, new, exact=True))]
    return [("U", *_values(table, new, exact=True))]


def _values(table: SourceTable, columns: Tuple, exact: bool) -> tuple[list[Any], int]:
    """Parse a tuple into column order; a new tuple must match the columns exactly, an old one may omit NULLs."""
    if exact and len(columns) != len(table.columns):
        raise SchemaMismatch(f"change has columns {', '.join(columns)}; expected {', '.join(table.column_names)}")
    values: list[Any] = []
    size = 0
    known = {column.name: column for column in table.columns}
    for name, (type_name, _) in columns.items():
        column = known.get(name)
        if column is None or column.type.pg_type != type_name:
            raise SchemaMismatch(f"column {name} of type {type_name} is not in the known columns")
    for column in table.columns:
        _, text = columns.get(column.name, (column.type.pg_type, None))
        if text is None:
            values.append(None)
            continue
        values.append(column.type.parse(str(text)))
        size += len(str(text)) + 4
    return values, size


def _fill_unchanged_toast(table: SourceTable, new: Tuple, old: Tuple | None) -> Tuple:
    missing = [name for name, (_, value) in new.items() if value is UNCHANGED_TOAST]
    if not missing:
        return new
    if old is None:
        raise UnsupportedChangeError(
            f"UPDATE on {table.qualified} left TOASTed column(s) {', '.join(missing)} unchanged and PostgreSQL "
            f"logged no old row to copy them from; run ALTER TABLE {table.qualified} REPLICA IDENTITY FULL, "
            "then 'shoplake dms full-load'")
    filled = dict(new)
    for name in missing:
        filled[name] = old.get(name, (new[name][0], None))
    return filled


def _key_text(table: SourceTable, columns: Tuple) -> tuple[object, ...]:
    return tuple(columns.get(name, (None, None))[1] for name in table.key)


def layout_for_change(known: SourceTable, catalog: SourceTable, change: Change) -> SourceTable:
    """Return the table with the columns a change carries, typed from the known or current columns.

    A DELETE lists only its non-NULL old values, so it cannot show the full column
    list; for a DELETE the current catalog's columns are used.
    """
    if change.new is None:
        return catalog
    candidates = [*known.columns, *catalog.columns]
    columns = []
    for name, (type_name, _) in change.new.items():
        match = next((column for column in candidates if column.name == name and column.type.pg_type == type_name),
                     None)
        columns.append(match or Column(name, column_type(type_name)))
    return replace(known, columns=tuple(columns))
