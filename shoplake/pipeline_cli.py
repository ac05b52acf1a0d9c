"""`shoplake pipeline run | backfill | demo | reconcile | airflow-ui`: run the pipeline DAG locally."""

from __future__ import annotations

import json
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from shoplake.settings import get_settings

app = typer.Typer(help="Run the pipeline DAG locally with Airflow.", no_args_is_help=True)
console = Console()
DEMO_START = date(2026, 11, 2)
DEMO_DAYS = 3
DEMO_SEED = 42
DEMO_SCALE = 1


def _parse_date(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter(f"invalid date {text!r}: expected YYYY-MM-DD") from None


class _StageProgress(threading.Thread):
    """Print each stage run as the Airflow process records it, so a long run shows progress."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.offset = path.stat().st_size if path.is_file() else 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(1.0):
            self.print_new_entries()
        self.print_new_entries()

    def print_new_entries(self) -> None:
        if not self.path.is_file():
            return
        with self.path.open() as handle:
            handle.seek(self.offset)
            lines = handle.readlines()
            self.offset = handle.tell()
        for line in lines:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            console.print(f"  {entry.get('date')} {entry.get('stage')}: {entry.get('seconds', 0):.1f} s (try {entry.get('try')})")

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)


def _run_dates(days: list[date]) -> list:
    """Run the DAG for `days` in one Airflow process, printing each stage and each run's result."""
    from shoplake.pipeline.airflow_local import run_dag, run_dag_dates
    from shoplake.pipeline.runtime import stage_log_file

    label = f"{days[0]}" if len(days) == 1 else f"{days[0]} to {days[-1]}"
    progress = _StageProgress(stage_log_file(get_settings()))
    progress.start()
    with console.status(f"running the DAG for {label} (DAG.test, as 'airflow dags test') ..."):
        if len(days) == 1:
            outcomes = [run_dag(get_settings(), days[0])]
        else:
            outcomes = run_dag_dates(get_settings(), days)
    progress.stop()
    for outcome in outcomes:
        colour = "green" if outcome.success else "red"
        console.print(f"[{colour}]{outcome.logical_date}: {'success' if outcome.success else 'failed'}[/{colour}] "
                      f"in {outcome.seconds:.0f} s (log: {outcome.log_file})")
    return outcomes


def _exit_on_failure(outcomes: list) -> None:
    if not all(outcome.success for outcome in outcomes):
        raise typer.Exit(1)


@app.command("run")
def run(day: Annotated[str, typer.Option("--date", help="Logical date (UTC) to run, YYYY-MM-DD.")]) -> None:
    """Run the DAG for one date with 'airflow dags test' (AIRFLOW_HOME under the data folder)."""
    _exit_on_failure(_run_dates([_parse_date(day)]))


@app.command("backfill")
def backfill(
    start: Annotated[str, typer.Option("--start", help="First logical date, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--end", help="Last logical date (inclusive), YYYY-MM-DD.")],
) -> None:
    """Run the DAG for each date from --start to --end in order, stopping at the first failed run."""
    from shoplake.pipeline.airflow_local import dates_between

    _exit_on_failure(_run_dates(dates_between(_parse_date(start), _parse_date(end))))


@app.command("demo")
def demo(
    scale: Annotated[float, typer.Option(help="Data volume multiplier; 1 is the reference volume.")] = DEMO_SCALE,
    days: Annotated[int, typer.Option(help="Number of sample days from 2026-11-02.")] = DEMO_DAYS,
    seed: Annotated[int, typer.Option(help="Random seed of the generator.")] = DEMO_SEED,
) -> None:
    """Start the embedded stack, generate sample data (scale 1 by default), run the DAG for each date, print a summary."""
    from shoplake.pipeline.errors import StageMissingError
    from shoplake.pipeline.stages import require
    from shoplake.pipeline.summary import print_summary
    from shoplake.stack import manager

    settings = get_settings()
    started = time.monotonic()
    with console.status("starting the embedded stack ..."):
        manager.up(settings)
    console.print(f"embedded stack up; data in {settings.data_dir}")
    marker = settings.data_dir / "pipeline" / "demo.json"
    parameters = {"seed": seed, "scale": scale, "days": days}
    if _demo_already_ran(marker, parameters):
        _exit_unless_verified(print_summary(console, settings, [], seed=seed, scale=scale))
        return

    try:
        generate_all = require("generate", "sample_data.generate", "generate_all")
        apply_changes = require("generate", "sample_data.generate", "apply_changes")
    except StageMissingError as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(f"generating sample data: seed {seed}, scale {scale}, {days} days from {DEMO_START}")
    generate_all(settings, seed=seed, scale=scale, start=DEMO_START, days=days, progress=True)

    dates = [DEMO_START.fromordinal(DEMO_START.toordinal() + offset) for offset in range(days)]
    outcomes = _run_dates(dates[:1])
    if outcomes[-1].success:
        # Source changes land after the first day's full load, so replication picks them up as CDC.
        with console.status("applying source-database changes for CDC ..."):
            apply_changes(settings, seed=seed, scale=scale, start=DEMO_START, days=days)
        outcomes += _run_dates(dates[1:])
    if len(dates) > 1 and all(outcome.success for outcome in outcomes):
        # The source changes rewrite first-day orders after that day has loaded, and log lines written just
        # before midnight land in the next day's files. Re-running the earlier dates restates both.
        console.print(f"re-running {', '.join(str(day) for day in dates[:-1])} for the data that arrived after them")
        outcomes += _run_dates(dates[:-1])

    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(parameters | {"succeeded": all(outcome.success for outcome in outcomes)}))
    verified = print_summary(console, settings, outcomes, seed=seed, scale=scale)
    _screenshot_dashboard(settings.data_dir / "dashboard")
    console.print(f"demo finished in {time.monotonic() - started:.0f} s")
    _exit_on_failure(outcomes)
    _exit_unless_verified(verified)


def _exit_unless_verified(verified: bool) -> None:
    if not verified:
        console.print("[red]the summary shows unbalanced counts or failed ground-truth checks (above)[/red]")
        raise typer.Exit(1)


def _demo_already_ran(marker: Path, parameters: dict[str, float | int]) -> bool:
    """Return True when this data folder contains a finished demo with the same parameters.

    Generating again would reset the source database and re-send every stream, so a second
    demo on the same stack only prints the summary; any other earlier demo is an error.
    """
    if not marker.is_file():
        return False
    previous = json.loads(marker.read_text())
    reset = "run '.venv/bin/shoplake stack reset --yes' to start over"
    if previous.get("succeeded") and all(previous.get(key) == value for key, value in parameters.items()):
        console.print(f"the demo already ran on this stack ({marker}); showing its summary. To run it again, {reset}")
        return True
    raise typer.BadParameter(f"a demo with {previous} already wrote data in {marker.parent.parent}; {reset}")


def _screenshot_dashboard(out_dir: Path) -> None:
    """Save a PNG of each dashboard area with headless Chromium, when the dashboard and Chromium exist."""
    from powerbi.report_spec import PAGES
    from powerbi.screenshots import ChromiumError, screenshot_dashboard

    pages = [out_dir / f"{page.area}.html" for page in PAGES]
    if not all(page.is_file() for page in pages):
        return
    try:
        pngs = screenshot_dashboard(out_dir, pages)
    except (OSError, ChromiumError) as exc:
        console.print(f"dashboard screenshots skipped: {exc}")
        return
    console.print(f"Dashboard screenshots: {', '.join(str(png) for png in pngs)}")


@app.command("reconcile")
def reconcile(
    seed: Annotated[Optional[int], typer.Option(help="Seed of the manifest; default: the only manifest stored.")] = None,
    scale: Annotated[Optional[float], typer.Option(help="Scale of the manifest; default: the only manifest stored.")] = None,
) -> None:
    """Compare the warehouse with the generator's ground-truth manifest; exit 1 when a figure differs or none is checked."""
    import psycopg2

    from shoplake.pipeline.reconcile import GroundTruthNotFoundError
    from shoplake.pipeline.summary import print_ground_truth

    try:
        checks = print_ground_truth(console, get_settings(), seed, scale)
    except (GroundTruthNotFoundError, psycopg2.Error) as exc:
        console.print(f"[red]ground truth not checked:[/red] {exc}")
        raise typer.Exit(1) from exc
    if not checks or not all(check.passed for check in checks):
        raise typer.Exit(1)


@app.command("airflow-ui")
def airflow_ui(port: Annotated[int, typer.Option("--port", help="Port of the web UI on 127.0.0.1.")] = 8080) -> None:
    """Start Airflow's web UI, scheduler and DAG processor on 127.0.0.1 with the pipeline DAG; Ctrl-C stops them."""
    from shoplake.pipeline.airflow_local import airflow_home, start_ui

    settings = get_settings()
    process = start_ui(settings, port)
    console.print(f"Airflow UI at http://127.0.0.1:{port} (AIRFLOW_HOME {airflow_home(settings)}); "
                  f"the admin password is in {airflow_home(settings) / 'simple_auth_manager_passwords.json.generated'}")
    try:
        process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait(timeout=30)
