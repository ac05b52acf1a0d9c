"""`shoplake glue`: run a Glue job script for one logical date."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer
from rich.console import Console

app = typer.Typer(help="Run the Glue job scripts (locally with Spark, or on AWS Glue for the aws profile).", no_args_is_help=True)
console = Console()


def _parse_extra(pairs: list[str]) -> dict[str, str]:
    extra = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key:
            raise typer.BadParameter(f"--arg {pair!r} is not KEY=VALUE")
        extra[key.lstrip("-")] = value
    return extra


@app.command("run")
def run(
    job: Annotated[str, typer.Argument(help="Job name: catalog_ingest, cdc_apply, clean_conform, customer_360 or star_schema.")],
    date: Annotated[str, typer.Option("--date", help="Logical date, YYYY-MM-DD (UTC).")],
    arg: Annotated[Optional[list[str]], typer.Option("--arg", help="Extra job argument KEY=VALUE; repeatable.")] = None,
) -> None:
    """Run one job for one date with spark-submit (locally) and print its run report."""
    from shoplake.settings import get_settings
    from spark_jobs.runner import run_job

    report = run_job(get_settings(), job, date, _parse_extra(arg or []))
    console.print_json(json.dumps(report))


@app.command("list")
def list_jobs() -> None:
    """List the job names."""
    from spark_jobs.runner import JOBS

    for name in JOBS:
        console.print(name)
