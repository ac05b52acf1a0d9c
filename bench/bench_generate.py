"""Sample-data generation time per source, in a private embedded stack started for the run.

Figures are seconds of wall time from the manifest's `run.timings_s`: building
each source in memory, and writing it (S3 PutObject, PostgreSQL COPY, Kinesis
PutRecords). `total_s` is the whole `generate_all` call, stack checks and
manifest upload included.
"""

from __future__ import annotations

import time

from bench._common import private_stack


def run(scale: int) -> dict[str, float]:
    """Return per-source build and write seconds of one `generate_all` at `scale`."""
    from sample_data.generate import generate_all

    with private_stack("shoplake-bench-generate-") as settings:
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


if __name__ == "__main__":
    for bench_scale in (1, 10):
        print(f"scale {bench_scale}")
        for figure, value in run(bench_scale).items():
            print(f"  {figure:<28} {value:>10}")
