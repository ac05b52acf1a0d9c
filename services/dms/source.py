"""Connections to the source PostgreSQL database and its logical replication slot.

Every connection runs with `TimeZone=UTC` and `DateStyle=ISO`, so dates and
times print the same way on both the SQL and the replication connection. The
values are still parsed offset-aware, so another server default cannot shift them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from services.dms.errors import SlotInUseError
from services.dms.target import parse_lsn

log = logging.getLogger(__name__)

SESSION_OPTIONS = "-c TimeZone=UTC -c DateStyle=ISO -c IntervalStyle=iso_8601 -c bytea_output=hex " \
                  "-c extra_float_digits=3"


@dataclass(frozen=True)
class SlotStatus:
    """One logical replication slot as `pg_replication_slots` shows it."""

    name: str
    plugin: str
    active: bool
    confirmed_flush_lsn: int | None
    current_lsn: int

    @property
    def lag_bytes(self) -> int:
        return max(0, self.current_lsn - (self.confirmed_flush_lsn or 0))


def connect(dsn: str, database: str | None = None):
    """Open an SQL connection (psycopg2) to the source database."""
    import psycopg2

    extra = {"dbname": database} if database else {}
    return psycopg2.connect(dsn, options=SESSION_OPTIONS, application_name="shoplake-dms", **extra)


def connect_replication(dsn: str, database: str | None = None):
    """Open a logical replication connection (psycopg2 `LogicalReplicationConnection`)."""
    import psycopg2
    from psycopg2.extras import LogicalReplicationConnection

    extra = {"dbname": database} if database else {}
    return psycopg2.connect(dsn, connection_factory=LogicalReplicationConnection, options=SESSION_OPTIONS,
                            application_name="shoplake-dms-cdc", **extra)


def create_slot_with_snapshot(replication_connection, slot: str, plugin: str) -> tuple[int, str]:
    """Create the logical slot and export its snapshot; return (consistent LSN, snapshot name).

    The snapshot stays importable only while `replication_connection` stays open
    and runs no other command, so the caller reads the tables before closing it.
    """
    import psycopg2

    cursor = replication_connection.cursor()
    try:
        cursor.execute(f"CREATE_REPLICATION_SLOT {slot} LOGICAL {plugin} EXPORT_SNAPSHOT")
    except psycopg2.errors.DuplicateObject as exc:
        raise SlotInUseError(f"replication slot {slot} was created by another replicator while this full load "
                             "started; let that run finish, then run this command again") from exc
    _, consistent_point, snapshot_name, _ = cursor.fetchone()
    log.info("created replication slot %s at %s with snapshot %s", slot, consistent_point, snapshot_name)
    return parse_lsn(consistent_point), snapshot_name


def drop_slot_if_exists(connection, slot: str) -> bool:
    """Drop the slot (it must not be in use); return whether it existed."""
    import psycopg2

    with connection.cursor() as cursor:
        cursor.execute("SELECT active_pid FROM pg_replication_slots WHERE slot_name = %s", (slot,))
        row = cursor.fetchone()
        if row is None:
            connection.commit()
            return False
        if row[0] is not None:
            raise SlotInUseError(slot_in_use_message(slot, row[0]))
        try:
            cursor.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
        except psycopg2.errors.ObjectInUse as exc:
            connection.rollback()
            raise SlotInUseError(slot_in_use_message(slot, None)) from exc
    connection.commit()
    log.info("dropped replication slot %s", slot)
    return True


def slot_in_use_message(slot: str, backend_pid: int | None) -> str:
    holder = f"backend {backend_pid}" if backend_pid else "another replicator"
    return (f"replication slot {slot} is in use by {holder}: another 'shoplake dms' run or 'dms cdc' is streaming "
            "from it; wait for that run to finish or stop it, then run this command again")


def slot_status(connection, slot: str) -> SlotStatus | None:
    """Return the slot's position and the server's current flushed WAL position, or None without a slot."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT slot_name, plugin, active, confirmed_flush_lsn::text, pg_current_wal_flush_lsn()::text "
            "FROM pg_replication_slots WHERE slot_name = %s", (slot,))
        row = cursor.fetchone()
    connection.commit()
    if row is None:
        return None
    name, plugin, active, confirmed, current = row
    return SlotStatus(name, plugin, active, parse_lsn(confirmed) if confirmed else None, parse_lsn(current))


def current_wal_lsn(connection) -> int:
    """Return `pg_current_wal_flush_lsn()`: everything committed before it can be decoded now."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_flush_lsn()::text")
        text = cursor.fetchone()[0]
    connection.commit()
    return parse_lsn(text)
