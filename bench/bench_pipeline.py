"""End-to-end pipeline time per stage, with each stage's peak memory, for one logical date.

A private embedded stack is started for the run. The generator writes one day
(2026-11-02) at `scale` (seed 42); the source_db stage then does its full load,
the generator's follow-up changes are applied to the source database, and the
DAG's stages run one after another for that date, each in its own child
process (`shoplake.pipeline.runtime.run_stage`, the code an Airflow task runs).
So source_db in the stage list replicates the changes by CDC. Each Glue job's
time is its stage's figure: catalog (catalog_ingest), cdc_apply, clean_conform,
customer_360, star_schema and warehouse_copy (warehouse_load). On the embedded
profile a Glue job runs inside its stage's process (`[glue] local_mode`), on Spark
`local[2]` (`[spark] master`).

Peak memory is the largest sum of resident memory of the stage's process tree
(the stage's Python process and, for Glue jobs, its Spark JVM), sampled
every 0.2 s.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from bench._common import PIPELINE_STAGES, StageFailedError, private_stack, run_pipeline_day, run_stage_process

DAY = date(2026, 11, 2)
SEED = 42
MIB = 1024 * 1024


def run(scale: int) -> dict[str, float]:
    """Return seconds and peak MiB of each stage, and the pipeline's total seconds, at `scale`."""
    from sample_data.generate import apply_changes, generate_all

    figures: dict[str, float] = {}
    with private_stack("shoplake-bench-pipeline-") as settings:
        started = time.perf_counter()
        manifest = generate_all(settings, seed=SEED, scale=scale, start=DAY, days=1, progress=False)
        figures["generate_s"] = round(time.perf_counter() - started, 2)

        full_load = run_stage_process(settings, "source_db", DAY.isoformat())
        _check(full_load)
        figures["source_db_full_load_s"] = round(full_load.seconds, 2)

        started = time.perf_counter()
        changes = apply_changes(settings, seed=SEED, scale=scale, start=DAY, days=1)
        figures["apply_changes_s"] = round(time.perf_counter() - started, 2)

        runs = run_pipeline_day(settings, DAY.isoformat())

    for stage_run in runs:
        figures[f"{stage_run.stage}_s"] = round(stage_run.seconds, 2)
        figures[f"{stage_run.stage}_peak_mib"] = round(stage_run.peak_bytes / MIB)
    figures["pipeline_s"] = round(sum(stage_run.seconds for stage_run in runs), 2)
    figures["log_lines"] = float(manifest["access_logs"]["lines"])
    figures["source_change_transactions"] = float(changes["transactions"])
    return figures


def _check(stage_run: Any) -> None:
    if stage_run.returncode != 0:
        raise StageFailedError(f"stage {stage_run.stage} exited with {stage_run.returncode}:\n{stage_run.output[-3000:]}")


if __name__ == "__main__":
    for name, value in run(1).items():
        print(f"{name}: {value:,}")
    print(f"stages: {', '.join(PIPELINE_STAGES)}")
