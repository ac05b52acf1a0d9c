"""Sample-data generation time per source, in a private embedded stack started for the run.

Figures are seconds of wall time from the manifest's `run.timings_s`: building
each source in memory, and writing it (S3 PutObject, PostgreSQL COPY, Kinesis
PutRecords). `total_s` is the whole `generate_all` call, stack checks and
manifest upload included.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def run(scale: int) -> dict[str, float]:
    """Return per-source build and write seconds of one `generate_all` at `scale`."""
    from sample_data.generate import generate_all

    with _private_stack() as settings:
        started = time.perf_counter()
        manifest = generate_all(settings, seed=42, scale=scale, progress=False)
        total = time.perf_counter() - started

    timings = manifest["run"]["timings_s"]
    figures = {name: round(value, 3) for name, value in timings.items()}
    for source in ("access_logs", "catalog", "source_db", "campaign_events"):
        figures[f"{source}_s"] = round(timings[f"build_{source}"] + timings[f"write_{source}"], 3)
    figures["total_s"] = round(total, 3)
    figures["log_lines"] = float(manifest["access_logs"]["lines"])
    return figures


@contextmanager
def _private_stack() -> Iterator[Any]:
    """Start an embedded stack on free ports in a temporary folder; stop it and delete the folder afterwards."""
    from shoplake import aws
    from shoplake.settings import get_settings, reset_settings_cache
    from shoplake.stack import manager

    data_dir = tempfile.mkdtemp(prefix="shoplake-bench-generate-")
    os.chmod(data_dir, 0o755)
    saved = dict(os.environ)
    os.environ.update({"SHOPLAKE_PROFILE": "embedded", "SHOPLAKE_PATHS__DATA_DIR": data_dir,
                       "SHOPLAKE_PORTS__S3": "0", "SHOPLAKE_PORTS__KINESIS": "0",
                       "SHOPLAKE_PORTS__FIREHOSE": "0", "SHOPLAKE_PORTS__POSTGRES": "0"})
    reset_settings_cache()
    settings = get_settings()
    try:
        manager.up(settings)
        aws.activate(settings)
        yield settings
    finally:
        manager.down(settings)
        os.environ.clear()
        os.environ.update(saved)
        reset_settings_cache()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    for bench_scale in (1, 10):
        print(f"scale {bench_scale}")
        for figure, value in run(bench_scale).items():
            print(f"  {figure:<28} {value:>10}")
