"""The replication task as the CLI and the pipeline DAG call it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.dms.cdc import CdcStream, FlushReport
from services.dms.config import ReplicatorConfig
from services.dms.context import TaskContext, build_context
from services.dms.fullload import run_full_load
from services.dms.source import slot_status
from services.dms.target import format_lsn

log = logging.getLogger(__name__)


def full_load(settings, config: ReplicatorConfig | None = None, config_dir: Path | None = None) -> dict[str, int]:
    """Run a full load (dropping and recreating the slot); return rows written per table."""
    return run_full_load(build_context(settings, config, config_dir))


def run_cdc(settings, config: ReplicatorConfig | None = None, config_dir: Path | None = None,
            until_caught_up: bool = False, max_seconds: float | None = None,
            on_flush: Callable[[FlushReport], None] | None = None,
            stream_hook: Callable[[CdcStream], None] | None = None) -> dict[str, int]:
    """Stream CDC into S3 until stopped, `max_seconds` passed or (with `until_caught_up`) the slot is drained.

    `stream_hook` receives the stream before it starts, so a caller can keep it to
    call `request_stop()` (the CLI does this from its signal handler).
    """
    stream = CdcStream(build_context(settings, config, config_dir), until_caught_up=until_caught_up,
                       max_seconds=max_seconds, on_flush=on_flush)
    if stream_hook:
        stream_hook(stream)
    return stream.run()


def run_until_caught_up(settings, config: ReplicatorConfig | None = None,
                        config_dir: Path | None = None) -> dict[str, Any]:
    """Run the full load if none completed yet, then CDC until the slot has no pending changes.

    Returns `{"tables": {"shop.orders": {"full_load_rows": n, "cdc_rows": m}, ...}, "lsn": "0/..."}`;
    `full_load_rows` is 0 for every table when the full load had already been done.
    """
    context = build_context(settings, config, config_dir)
    loaded: dict[str, int] = {}
    if not context.store.read_checkpoint().full_load_done:
        loaded = run_full_load(context)
    changed = CdcStream(context, until_caught_up=True).run()

    names = sorted(set(loaded) | set(changed))
    tables = {name: {"full_load_rows": loaded.get(name, 0), "cdc_rows": changed.get(name, 0)} for name in names}
    checkpoint = context.store.read_checkpoint()
    result = {"tables": tables, "lsn": format_lsn(checkpoint.position)}
    log.info("replication caught up at %s: %s", result["lsn"], tables)
    return result


def status(settings, config: ReplicatorConfig | None = None, config_dir: Path | None = None) -> dict[str, Any]:
    """Return the slot's lag in bytes and seconds, and the stored checkpoint.

    `lag_seconds` is 0 when the slot has confirmed everything; otherwise it is the
    time since the commit of the last change written to S3 (an upper bound when the
    pending WAL contains no change of a selected table).
    """
    context = build_context(settings, config, config_dir)
    checkpoint = context.store.read_checkpoint()
    connection = context.connect()
    try:
        slot = slot_status(connection, context.config.slot_name)
    finally:
        connection.close()
    return _status_report(context, checkpoint, slot)


def _status_report(context: TaskContext, checkpoint, slot) -> dict[str, Any]:
    report: dict[str, Any] = {
        "slot": context.config.slot_name,
        "slot_exists": slot is not None,
        "full_load_done": checkpoint.full_load_done,
        "checkpoint_lsn": format_lsn(checkpoint.position),
        "last_commit_at": checkpoint.cdc_committed_at,
        "last_cdc_file": checkpoint.last_cdc_file,
    }
    if slot is None:
        return report
    report.update(active=slot.active, confirmed_flush_lsn=format_lsn(slot.confirmed_flush_lsn or 0),
                  current_lsn=format_lsn(slot.current_lsn), lag_bytes=slot.lag_bytes,
                  lag_seconds=_lag_seconds(slot.lag_bytes, checkpoint))
    return report


def _lag_seconds(lag_bytes: int, checkpoint) -> float:
    if lag_bytes == 0:
        return 0.0
    reference = checkpoint.cdc_committed_at or checkpoint.full_load_completed_at
    if reference is None:
        return 0.0
    then = datetime.strptime(reference, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
    return round((datetime.now(UTC) - then).total_seconds(), 3)
