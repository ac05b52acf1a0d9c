"""Run the pipeline DAG for several logical dates in one process, as `airflow dags test` does for one.

`python -m shoplake.pipeline.dag_test_many 2026-11-02 2026-11-03` parses the
DAG once and calls `DAG.test()` per date in order, which saves Airflow's and
Great Expectations' start-up for every date after the first. It prints one
JSON line per date (`{"date": ..., "state": ..., "seconds": ...}`) and stops
at the first failed run. Run it with the environment of
`shoplake.pipeline.airflow_local.airflow_environment`.
"""

from __future__ import annotations

import json
import sys
import time

import pendulum

DAG_ID = "shoplake_pipeline"
RESULT_PREFIX = "DAG_TEST_RESULT "


def main(dates: list[str]) -> int:
    from airflow.cli.commands.dag_command import get_bagged_dag

    dag = get_bagged_dag(bundle_names=None, dag_id=DAG_ID)
    for text in dates:
        started = time.monotonic()
        run = dag.test(logical_date=pendulum.parse(text, tz="UTC"))  # type: ignore[arg-type]
        state = str(getattr(run.state, "value", run.state))
        print(RESULT_PREFIX + json.dumps({"date": text, "state": state,
                                          "seconds": round(time.monotonic() - started, 1)}), flush=True)
        if state != "success":
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
