"""Full load from the replication slot's exported snapshot.

The slot and the snapshot are created by one `CREATE_REPLICATION_SLOT ... EXPORT_SNAPSHOT`
command, so the snapshot contains exactly the transactions that committed before
the slot's consistent point, and CDC from the slot delivers exactly the ones after
it: no change is lost or written twice between the full load and CDC.

A full load always starts over: it drops the task's slot, deletes the tables'
previous files (TargetTablePrepMode DROP_AND_CREATE), and writes the checkpoint
only when every table is in S3. A full load that dies half-way is simply run again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from psycopg2 import sql

from services.dms.catalog import SourceTable, selected_tables
from services.dms.context import TaskContext
from services.dms.files import encode_rows, load_file_key, table_prefix
from services.dms.source import connect_replication, create_slot_with_snapshot, drop_slot_if_exists
from services.dms.target import Checkpoint, format_lsn
from services.dms.values import format_dms_timestamp

log = logging.getLogger(__name__)

FETCH_ROWS = 5000
FIELD_OVERHEAD_BYTES = 4


def run_full_load(context: TaskContext) -> dict[str, int]:
    """Create the slot, copy every selected table from its snapshot, and store the checkpoint.

    Returns the number of rows written per table (`schema.table`).
    """
    connection = context.connect()
    try:
        drop_slot_if_exists(connection, context.config.slot_name)
        replication = connect_replication(context.dsn, context.config.database)
        try:
            consistent_lsn, snapshot = create_slot_with_snapshot(
                replication, context.config.slot_name, context.config.plugin)
            counts = _copy_snapshot(context, connection, snapshot)
        finally:
            replication.close()
    finally:
        connection.close()

    checkpoint = Checkpoint(slot=context.config.slot_name, full_load_lsn=format_lsn(consistent_lsn),
                            full_load_completed_at=format_dms_timestamp(datetime.now(UTC)),
                            full_load_rows=counts)
    context.store.write_checkpoint(checkpoint)
    log.info("full load done at LSN %s: %s", checkpoint.full_load_lsn, counts)
    return counts


def _copy_snapshot(context: TaskContext, connection, snapshot: str) -> dict[str, int]:
    connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION SNAPSHOT %s", (snapshot,))
        tables = selected_tables(cursor, context.config.rules)
    counts = {}
    for table in tables:
        if context.config.reload_deletes_previous_files:
            context.store.delete_prefix(table_prefix(context.config.target, table))
        counts[table.qualified] = _copy_table(context, connection, table)
    connection.commit()
    return counts


def _copy_table(context: TaskContext, connection, table: SourceTable) -> int:
    """Stream one table in primary-key order into LOAD files of at most MaxFileSize (estimated)."""
    target = context.config.target
    max_bytes = target.max_file_size_kb * 1024
    columns = sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(name)) for name in table.column_names)
    order = sql.SQL(", ").join(sql.Identifier(name) for name in table.key)
    query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(columns, sql.Identifier(table.schema, table.name), order)

    parsers = [column.type.parse for column in table.columns]
    prefix = ["I"] if target.include_op_for_full_load else []
    file_number, total, pending, pending_bytes = 0, 0, [], 0
    with connection.cursor(name=f"dms_full_load_{table.name}") as cursor:
        cursor.itersize = FETCH_ROWS
        cursor.execute(query)
        for record in cursor:
            values = [None if text is None else parse(text) for parse, text in zip(parsers, record, strict=True)]
            pending.append(values)
            pending_bytes += sum(len(text) + FIELD_OVERHEAD_BYTES for text in record if text is not None)
            if pending_bytes >= max_bytes:
                file_number += 1
                total += _write_load_file(context, table, file_number, pending, prefix)
                pending, pending_bytes = [], 0
    if pending:
        file_number += 1
        total += _write_load_file(context, table, file_number, pending, prefix)
    log.info("full load of %s: %d rows in %d files", table.qualified, total, file_number)
    return total


def _write_load_file(context: TaskContext, table: SourceTable, number: int, rows: list[list], prefix: list) -> int:
    target = context.config.target
    loaded_at = [format_dms_timestamp(datetime.now(UTC))] if target.timestamp_column else []
    output = [prefix + loaded_at + values for values in rows]
    body = encode_rows(target, table, output, with_op=target.include_op_for_full_load)
    context.store.put(load_file_key(target, table, number), body)
    return len(rows)
