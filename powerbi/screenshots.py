"""Render dashboard pages with Debian's headless Chromium: PNG screenshots and the DOM after scripts ran.

Each call starts a fresh Chromium with its own temporary profile and with
background networking, component updates and sync turned off, so it sends no
traffic beyond the local file it opens.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from shoplake.errors import ShoplakeError

log = logging.getLogger(__name__)

CHROMIUM_NAMES = ("chromium", "chromium-browser")
WINDOW_SIZE = (1400, 1800)
# Virtual time lets Plotly finish drawing before Chromium captures the page.
VIRTUAL_TIME_BUDGET_MS = 10000
TIMEOUT_S = 120


class ChromiumError(ShoplakeError):
    """Chromium is missing or failed to render a page."""


def chromium_binary() -> str:
    """Return the path of Debian's Chromium; raise ChromiumError naming the package when it is missing."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumError("chromium not found on PATH; install Debian's package: apt-get install -y chromium")


def _run(page: Path, mode_arguments: list[str]) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="shoplake-chromium-") as profile:
        command = [
            chromium_binary(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--window-size={WINDOW_SIZE[0]},{WINDOW_SIZE[1]}",
            f"--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}",
            *mode_arguments,
            page.resolve().as_uri(),
        ]
        log.debug("running %s", " ".join(command))
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ChromiumError(f"chromium timed out after {TIMEOUT_S} s rendering {page}") from exc
    if result.returncode != 0:
        raise ChromiumError(f"chromium exited with {result.returncode} rendering {page}: {result.stderr.strip()[-500:]}")
    return result


def screenshot(page: Path, png_path: Path) -> Path:
    """Save a PNG screenshot of the HTML file `page` to `png_path` and return it."""
    png_path.parent.mkdir(parents=True, exist_ok=True)
    _run(page, [f"--screenshot={png_path.resolve()}"])
    if not png_path.is_file() or png_path.stat().st_size == 0:
        raise ChromiumError(f"chromium wrote no screenshot for {page} at {png_path}")
    log.info("screenshot of %s saved to %s", page.name, png_path)
    return png_path


def dump_dom(page: Path) -> str:
    """Return the page's DOM after its scripts ran (Chromium's --dump-dom)."""
    return _run(page, ["--dump-dom"]).stdout


def screenshot_dashboard(out_dir: Path, area_pages: list[Path]) -> list[Path]:
    """Screenshot every area page into `out_dir/screenshots/<area>.png`."""
    return [screenshot(page, out_dir / "screenshots" / f"{page.stem}.png") for page in area_pages]
