"""`shoplake dashboard`: build the Linux dashboard and check the Power BI project."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Optional

import typer

from shoplake.settings import get_settings

app = typer.Typer(help="The Linux dashboard and the Power BI project (PBIP).", no_args_is_help=True)
log = logging.getLogger(__name__)


@app.command("build")
def build_command(
    out: Annotated[Optional[Path], typer.Option("--out", help="Output folder (default: <data_dir>/dashboard).")] = None,
    screenshots: Annotated[bool, typer.Option("--screenshots/--no-screenshots",
                                              help="Also save a PNG per area with headless Chromium.")] = False,
) -> None:
    """Query the profile's warehouse and write the dashboard HTML, figures.json and optional screenshots."""
    from powerbi import dashboard
    from powerbi.report_spec import PAGES

    settings = get_settings()
    out_dir = out or settings.data_dir / "dashboard"
    figures = dashboard.build(settings, out_dir)
    visual_count = sum(len(area["visuals"]) for area in figures["areas"].values())
    typer.echo(f"dashboard: {len(figures['areas'])} areas, {visual_count} visuals in {out_dir}")

    if screenshots:
        from powerbi.screenshots import screenshot_dashboard

        pages = [out_dir / f"{page.area}.html" for page in PAGES]
        for png in screenshot_dashboard(out_dir, pages):
            typer.echo(f"screenshot: {png}")


@app.command("validate")
def validate_command() -> None:
    """Check the committed PBIP project against Microsoft's schemas and its cross-file links."""
    from powerbi.validate import check_project

    check_project()
    typer.echo("Power BI project: schemas and cross-file checks passed")


@app.command("generate")
def generate_command(
    traffic_mode: Annotated[str, typer.Option(
        "--traffic-mode", help="Storage mode of fact_network_traffic: import or directQuery.")] = "import",
    out: Annotated[Optional[Path], typer.Option("--out", help="Folder to write the project into (default: powerbi/).")] = None,
) -> None:
    """Regenerate the PBIP project (TMDL and PBIR files) from powerbi/measures.py and powerbi/report_spec.py."""
    from powerbi.generate import POWERBI_DIR, write_project
    from powerbi.tmdl import STORAGE_MODES

    if traffic_mode not in STORAGE_MODES:
        raise typer.BadParameter(f"{traffic_mode!r} is not a storage mode; use one of {', '.join(STORAGE_MODES)}")
    written = write_project(out or POWERBI_DIR, traffic_mode)
    typer.echo(f"wrote {len(written)} files under {out or POWERBI_DIR}")
