"""`shoplake warehouse`: apply the DDL, load a logical date, run the audits."""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from shoplake.settings import get_settings

app = typer.Typer(help="The Redshift warehouse (or its PostgreSQL stand-in): DDL, loads and audits.",
                  no_args_is_help=True)
console = Console()
log = logging.getLogger("warehouse")


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"invalid date {text!r}: expected YYYY-MM-DD") from None


@app.command("init")
def init_command() -> None:
    """Create the schemas, tables and BI views (idempotent)."""
    from warehouse.ddl import apply_ddl

    settings = get_settings()
    files = apply_ddl(settings)
    log.info("applied %d DDL files to the %s warehouse", len(files), settings.warehouse_engine)


@app.command("load")
def load_command(
    logical_date: Annotated[str, typer.Option("--date", help="Logical date to load, YYYY-MM-DD.")],
) -> None:
    """Load one logical date from the Parquet extracts into the star schema."""
    from warehouse.load import load_date

    day = _parse_date(logical_date)
    log.info("loading %s", day.isoformat())
    counts = load_date(get_settings(), day)

    table = Table("table", "read", "loaded", "rejected")
    for name, row in counts.items():
        table.add_row(name, str(row["read"]), str(row["loaded"]), str(row["rejected"]))
    console.print(table)
    rejected = sum(row["rejected"] for row in counts.values())
    if rejected:
        log.warning("%d rows rejected for %s: see audit.load_errors and the warehouse quarantine", rejected, day)


@app.command("audit")
def audit_command(
    logical_date: Annotated[Optional[str], typer.Option("--date", help="Also check the load counts of this date.")] = None,
) -> None:
    """Check duplicate keys and orphan foreign keys; exit 1 when any check fails."""
    from warehouse.audit import run_audit

    result = run_audit(get_settings(), _parse_date(logical_date) if logical_date else None)
    table = Table("check", "table", "key", "violations")
    for check in result["checks"]:
        table.add_row(check["check"], check["table"], check["key"], str(check["violations"]))
    for row in result["unbalanced_loads"]:
        table.add_row("load_balance", row["table"], "read = loaded + rejected", f"{row['read']} != {row['loaded']} + {row['rejected']}")
    console.print(table)
    if not result["ok"]:
        raise typer.Exit(1)
