"""`shoplake dms`: full load, CDC and status of the DMS-compatible replicator."""

from __future__ import annotations

import json
import logging
import signal
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(help="Replicate the source database to S3 in AWS DMS's file layout.", no_args_is_help=True)
log = logging.getLogger(__name__)

ConfigDirOption = Annotated[Optional[Path], typer.Option(
    "--config-dir", help="Folder with table-mappings.json, task-settings.json, source-endpoint.json and "
                         "target-endpoint.json (default: services/dms/config).")]


def _settings():
    from shoplake.settings import get_settings

    return get_settings()


def _print(result: dict) -> None:
    typer.echo(json.dumps(result, indent=2, sort_keys=True))


@app.command("full-load")
def full_load_command(config_dir: ConfigDirOption = None) -> None:
    """Drop and recreate the replication slot, then write every selected table as LOAD files."""
    from services.dms import task

    _print(task.full_load(_settings(), config_dir=config_dir))


@app.command("cdc")
def cdc_command(
    config_dir: ConfigDirOption = None,
    max_seconds: Annotated[Optional[float], typer.Option(
        "--max-seconds", help="Stop after this many seconds (default: run until SIGINT or SIGTERM).")] = None,
) -> None:
    """Stream changes into CDC files until stopped; SIGINT or SIGTERM flushes the batch first."""
    from services.dms import task

    def keep(stream) -> None:
        def stop(signum, _frame) -> None:
            log.info("signal %d received; flushing and stopping", signum)
            stream.request_stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

    _print(task.run_cdc(_settings(), config_dir=config_dir, max_seconds=max_seconds, stream_hook=keep))


@app.command("run")
def run_command(
    config_dir: ConfigDirOption = None,
    until_caught_up: Annotated[bool, typer.Option(
        "--until-caught-up", help="Required: full load if none is done, CDC until the slot is drained, exit.")] = False,
) -> None:
    """Run the task the way a scheduler does: full load if needed, then CDC until caught up."""
    from services.dms import task

    if not until_caught_up:
        raise typer.BadParameter("only 'run --until-caught-up' is supported; use 'shoplake dms cdc' to stream "
                                 "without stopping", param_hint="--until-caught-up")
    _print(task.run_until_caught_up(_settings(), config_dir=config_dir))


@app.command("status")
def status_command(config_dir: ConfigDirOption = None) -> None:
    """Print the slot's lag (bytes and seconds) and the stored checkpoint as JSON."""
    from services.dms import task

    _print(task.status(_settings(), config_dir=config_dir))

