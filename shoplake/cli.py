"""The `shoplake` command line."""

from __future__ import annotations

import importlib
import logging
import os
import sys
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from shoplake.errors import ShoplakeError
from shoplake.settings import get_settings, reset_settings_cache

app = typer.Typer(help="shoplake: an AWS-shaped e-commerce analytics pipeline.", no_args_is_help=True)
stack_app = typer.Typer(help="Start, stop and inspect the embedded stack.", no_args_is_help=True)
app.add_typer(stack_app, name="stack")
console = Console()

# Sub-commands that live beside the code they drive: (module, attribute, name).
SUBCOMMANDS = [
    ("sample_data.cli", "app", "generate"),
    ("services.cli", "logs_app", "logs"),
    ("services.cli", "lambda_app", "lambda"),
    ("services.cli", "firehose_app", "firehose"),
    ("services.dms.cli", "app", "dms"),
    ("spark_jobs.cli", "app", "glue"),
    ("warehouse.cli", "app", "warehouse"),
    ("shoplake.pipeline_cli", "app", "pipeline"),
    ("powerbi.cli", "app", "dashboard"),
]


def _register_subcommands() -> None:
    for module_name, attribute, name in SUBCOMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        command = getattr(module, attribute)
        if isinstance(command, typer.Typer):
            app.add_typer(command, name=name)
        else:
            app.command(name=name)(command)


@app.callback()
def main(
    profile: Annotated[
        Optional[str], typer.Option("--profile", help="Profile: embedded, compose or aws (default: SHOPLAKE_PROFILE or embedded).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log at DEBUG level.")] = False,
) -> None:
    if profile:
        os.environ["SHOPLAKE_PROFILE"] = profile
        reset_settings_cache()
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("botocore", "boto3", "urllib3", "py4j", "s3transfer"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)


@stack_app.command("up")
def stack_up() -> None:
    """Start the embedded stack (idempotent) and create buckets, streams and databases."""
    from shoplake.stack import manager

    manager.up(get_settings())
    _print_status()


@stack_app.command("down")
def stack_down() -> None:
    """Stop every server of the embedded stack; data stays on disk."""
    from shoplake.stack import manager

    stopped = manager.down(get_settings())
    console.print(f"stopped: {', '.join(stopped) or 'nothing was running'}")


@stack_app.command("status")
def stack_status() -> None:
    """List each server with its address and health; exit 1 if any is unhealthy."""
    if not _print_status():
        raise typer.Exit(1)


@stack_app.command("reset")
def stack_reset(yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False) -> None:
    """Stop the stack and delete all its data."""
    from shoplake.stack import manager

    settings = get_settings()
    if not yes:
        typer.confirm(f"Delete everything under {settings.data_dir}?", abort=True)
    manager.reset(settings)
    console.print(f"deleted {settings.data_dir}")


def _print_status() -> bool:
    from shoplake.stack import manager

    rows = manager.status(get_settings())
    table = Table("service", "address", "pid", "state")
    for row in rows:
        state = "healthy" if row.healthy else ("running, unhealthy" if row.running else "stopped")
        table.add_row(row.name, row.url, str(row.pid or "-"), state)
    console.print(table)
    return all(row.healthy for row in rows)


def run() -> None:
    """Entry point: run the CLI and print a ShoplakeError as one line.

    Standalone mode lets Typer print usage errors itself; shoplake's own errors
    propagate out of it and are printed here without a traceback.
    """
    _register_subcommands()
    try:
        app(standalone_mode=True)
    except ShoplakeError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    run()
