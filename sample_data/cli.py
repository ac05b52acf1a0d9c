"""`shoplake generate`: write the synthetic shop into every source, or apply the follow-up changes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console

from sample_data.config import DEFAULT_DAYS, DEFAULT_START, Plan

app = typer.Typer(help="Generate sample data into S3, PostgreSQL and Kinesis, with a ground-truth manifest.",
                  invoke_without_command=True)
console = Console()

SeedOption = Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same data.")]
ScaleOption = Annotated[float, typer.Option("--scale", help="Multiplier of every volume (1 = 100,000 log lines).")]
StartOption = Annotated[datetime, typer.Option("--start", formats=["%Y-%m-%d"], help="First UTC day of the window.")]
DaysOption = Annotated[int, typer.Option("--days", min=1, help="Number of days in the window.")]


@app.callback()
def generate(
    context: typer.Context,
    seed: SeedOption = 42,
    scale: ScaleOption = 1.0,
    start: StartOption = datetime.combine(DEFAULT_START, datetime.min.time()),
    days: DaysOption = DEFAULT_DAYS,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan and write nothing.")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show progress bars.")] = True,
) -> None:
    """Generate every source (the default), or run a sub-command such as `changes`."""
    context.obj = {"seed": seed, "scale": _scale(scale), "start": start.date(), "days": days}
    if context.invoked_subcommand is not None:
        return

    from sample_data.generate import describe_plan, generate_all
    from shoplake.settings import get_settings

    settings = get_settings()
    plan = Plan(seed, _scale(scale), start.date(), days)
    if dry_run:
        for line in describe_plan(plan, settings):
            console.print(line, highlight=False, soft_wrap=True)
        return
    manifest = generate_all(settings, seed=seed, scale=_scale(scale), start=start.date(), days=days, progress=progress)
    _print_summary(manifest)


@app.command("changes")
def changes(context: typer.Context) -> None:
    """Apply the follow-up source changes (status changes, refunds, late payments, deletes) for CDC."""
    from sample_data.generate import apply_changes
    from shoplake.settings import get_settings

    options = context.obj
    summary = apply_changes(get_settings(), seed=options["seed"], scale=options["scale"], start=options["start"],
                            days=options["days"])
    state = "already applied, nothing changed" if summary["already_applied"] else f"{summary['transactions']} transactions"
    console.print(f"changes: {state}; by kind: {json.dumps(summary['changes_by_kind'])}", highlight=False)


def _scale(value: float) -> float | int:
    """Keep whole scales as int, so manifest keys read `scale=1`, not `scale=1.0`."""
    return int(value) if float(value).is_integer() else value


def _print_summary(manifest: dict[str, Any]) -> None:
    logs, catalog = manifest["access_logs"], manifest["catalog"]
    db, events = manifest["source_db"]["rows"], manifest["campaign_events"]
    console.print(f"access logs: {logs['lines']:,} lines in {logs['files']} files; catalog: "
                  f"{catalog['distinct_products']:,} products; source db: {db['orders']:,} orders, "
                  f"{db['payments']:,} payments; campaign events: {events['records']:,} records", highlight=False)
    timings = manifest["run"]["timings_s"]
    console.print(f"done in {sum(timings.values()):.1f} s", highlight=False)


