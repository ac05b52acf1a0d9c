"""Audit queries that run the same on Redshift and the stand-in: duplicate keys, orphan keys, load balance."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from warehouse.runner import open_runner

if TYPE_CHECKING:
    from shoplake.settings import Settings

DUPLICATE_KEYS = "audit/duplicate_keys.sql"
ORPHAN_KEYS = "audit/orphan_keys.sql"
LOAD_BALANCE = "audit/load_balance.sql"


def run_audit(settings: Settings, logical_date: date | str | None = None) -> dict[str, Any]:
    """Return every check with its violation count, and `ok` when all are zero.

    Duplicate and orphan keys are checked on whole tables; with a logical date
    the load audit of that date is also checked (rows read = loaded + rejected).
    """
    with open_runner(settings) as runner:
        duplicates = [_check("duplicate_keys", row) for row in runner.run_file(DUPLICATE_KEYS)]
        orphans = [_check("orphan_keys", row) for row in runner.run_file(ORPHAN_KEYS)]
        unbalanced: list[dict[str, Any]] = []
        if logical_date is not None:
            day = date.fromisoformat(logical_date) if isinstance(logical_date, str) else logical_date
            rows = runner.run_file(LOAD_BALANCE, {"logical_date": day.isoformat()})
            unbalanced = [{"table": table, "read": int(read), "loaded": int(loaded), "rejected": int(rejected)}
                          for table, read, loaded, rejected in rows]

    checks = duplicates + orphans
    return {"checks": checks, "unbalanced_loads": unbalanced,
            "ok": not unbalanced and all(check["violations"] == 0 for check in checks)}


def _check(kind: str, row: tuple[Any, ...]) -> dict[str, Any]:
    table, key_columns, violations = row
    return {"check": kind, "table": str(table), "key": str(key_columns), "violations": int(violations)}
