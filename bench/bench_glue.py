"""Glue job wall times on generated data, each job run as the DAG runs it (spark-submit, local[2]).

In a private embedded stack: generate the sample shop at `scale`, run the ingest stages
(access logs, campaign events, DMS replication) for every date, then time each Glue job per
date. Figures are seconds summed over the sample window's dates, JVM start-up included.
"""

from __future__ import annotations

import time

from bench._common import private_stack

INGEST_STAGES = ("access_logs", "campaign_events", "source_db")
GLUE_JOBS = ("catalog_ingest", "cdc_apply", "clean_conform", "customer_360", "star_schema")


def run(scale: int) -> dict[str, float]:
    """Return seconds per Glue job (summed over the window's dates) and in total at `scale`."""
    from sample_data.generate import generate_all
    from shoplake.pipeline.runtime import run_stage
    from spark_jobs.runner import run_job

    figures: dict[str, float] = {}
    with private_stack() as settings:
        manifest = generate_all(settings, scale=scale, progress=False)
        dates = manifest["window"]["dates"]
        for day in dates:
            for stage in INGEST_STAGES:
                run_stage(stage, day, settings=settings)

        for day in dates:
            for job in GLUE_JOBS:
                started = time.perf_counter()
                run_job(settings, job, day)
                figures[f"{job}_s"] = figures.get(f"{job}_s", 0.0) + time.perf_counter() - started

    figures = {name: round(seconds, 1) for name, seconds in figures.items()}
    figures["total_s"] = round(sum(figures.values()), 1)
    figures["dates"] = float(len(dates))
    return figures


if __name__ == "__main__":
    import sys

    for scale in [int(arg) for arg in sys.argv[1:]] or [1]:
        print(scale, run(scale))
