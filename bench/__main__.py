"""Run every benchmark module, print one table, and write JSON plus a markdown page.

Each `bench/bench_<area>.py` exposes `run(scale: int) -> dict[str, float]`.
Figures are whatever each module measured in this run; nothing is cached.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
RESULTS_JSON = ROOT / "bench" / "results.json"
RESULTS_PAGE = ROOT / "docs" / "benchmarks.md"


def machine() -> dict[str, str]:
    """Describe the machine and the versions the figures were measured with."""
    import pyspark

    memory_kib = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                          if line.startswith("MemTotal")))
    java = subprocess.run([os.path.join(os.environ.get("JAVA_HOME", "/usr"), "bin", "java"), "-version"],
                          capture_output=True, text=True, check=False).stderr.splitlines()
    return {
        "cores": str(os.cpu_count()),
        "memory_gib": f"{memory_kib / 1024 / 1024:.1f}",
        "os": platform.platform(),
        "python": platform.python_version(),
        "java": java[0] if java else "unknown",
        "pyspark": pyspark.__version__,
        "load_average_at_start": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def discover(selected: list[str] | None) -> list[str]:
    names = sorted(path.stem for path in (ROOT / "bench").glob("bench_*.py"))
    return [name for name in names if not selected or name.removeprefix("bench_") in selected]


def run_all(modules: list[str], scales: list[int]) -> dict[str, dict[str, dict[str, float | str]]]:
    results: dict[str, dict[str, dict[str, float | str]]] = {}
    for name in modules:
        module = importlib.import_module(f"bench.{name}")
        for scale in scales:
            started = time.perf_counter()
            try:
                figures: dict[str, float | str] = dict(module.run(scale))
            except Exception as exc:  # noqa: BLE001 - one failed benchmark must not hide the others
                traceback.print_exc()
                figures = {"error": f"{type(exc).__name__}: {exc}"}
            figures["wall_s"] = round(time.perf_counter() - started, 2)
            results.setdefault(name.removeprefix("bench_"), {})[f"scale {scale}"] = figures
    return results


def print_table(results: dict[str, dict[str, dict[str, float | str]]]) -> None:
    table = Table("area", "scale", "figure", "value")
    for area, by_scale in results.items():
        for scale, figures in by_scale.items():
            for figure, value in figures.items():
                table.add_row(area, scale, figure, _format(value))
    Console().print(table)


def _format(value: float | str) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _summary(area: str) -> str:
    """Return the first paragraph of the area's module docstring, which describes its figures."""
    doc = importlib.import_module(f"bench.bench_{area}").__doc__ or ""
    return " ".join(doc.strip().split("\n\n")[0].split())


def _ratio(first: float | str | None, last: float | str | None) -> str:
    """Return last / first as `N.N×`, or `-` when either is missing, not a number or zero."""
    if not isinstance(first, int | float) or not isinstance(last, int | float) or not first:
        return "-"
    return f"{last / first:,.1f}×"


RUN_KEYS = ("date", "command", "load_average_at_start", "bench_wall_s")


def write_page(areas: dict[str, dict], info: dict[str, str]) -> None:
    """Write the page: the machine, then each area's figures with the run that measured them."""
    lines = ["# Benchmarks", "", "Measured by `make bench` (`python -m bench`). `--only` re-measures some areas and keeps",
             "the others' last figures, so each area names the run that printed its figures.", "",
             "| machine | value |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in info.items() if key not in RUN_KEYS]
    for area, measured in areas.items():
        run, by_scale = measured["run"], measured["results"]
        scales = list(by_scale)
        figures = sorted({figure for values in by_scale.values() for figure in values})
        growth = [f"{scales[-1]} / {scales[0]}"] if len(scales) > 1 else []
        header = [*scales, *growth]
        lines += ["", f"## {area}", "", _summary(area), "",
                  f"Run: {run['date']}, `{run['command']}`, load average at start {run['load_average_at_start']}, "
                  f"whole run {run['bench_wall_s']} s.", "",
                  "| figure | " + " | ".join(header) + " |", "|---|" + "---|" * len(header)]
        for figure in figures:
            cells = [_format(by_scale[s].get(figure, "-")) for s in scales]
            if growth:
                cells.append(_ratio(by_scale[scales[0]].get(figure), by_scale[scales[-1]].get(figure)))
            lines.append(f"| {figure} | " + " | ".join(cells) + " |")
    RESULTS_PAGE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PAGE.write_text("\n".join(lines) + "\n")


def merged_areas(results: dict[str, dict[str, dict[str, float | str]]], info: dict[str, str]) -> dict[str, dict]:
    """Return the stored areas with this run's areas replaced; areas whose module is gone are dropped."""
    stored: dict[str, dict] = {}
    if RESULTS_JSON.is_file():
        stored = json.loads(RESULTS_JSON.read_text()).get("areas", {})
    run = {key: info[key] for key in RUN_KEYS}
    stored.update({area: {"run": run, "results": by_scale} for area, by_scale in results.items()})
    known = {name.removeprefix("bench_") for name in discover(None)}
    return {area: stored[area] for area in sorted(stored) if area in known}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run shoplake's benchmarks.")
    parser.add_argument("--scales", default="1,10", help="Comma-separated data scales (default 1,10).")
    parser.add_argument("--only", default="", help="Comma-separated areas, e.g. streams,warehouse.")
    args = parser.parse_args(argv)

    scales = [int(value) for value in args.scales.split(",") if value]
    modules = discover([value for value in args.only.split(",") if value] or None)
    info = machine()
    info["command"] = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
    started = time.perf_counter()
    results = run_all(modules, scales)
    info["bench_wall_s"] = f"{time.perf_counter() - started:,.0f}"
    print_table(results)
    areas = merged_areas(results, info)
    RESULTS_JSON.write_text(json.dumps({"machine": {k: v for k, v in info.items() if k not in RUN_KEYS},
                                        "areas": areas}, indent=2))
    write_page(areas, info)
    print(f"wrote {RESULTS_JSON.relative_to(ROOT)} and {RESULTS_PAGE.relative_to(ROOT)}")
    return 0 if all("error" not in f for by in results.values() for f in by.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
