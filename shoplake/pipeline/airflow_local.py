"""Run Airflow locally for the pipeline: environment, metadata DB, `airflow dags test`, the web UI.

AIRFLOW_HOME is `<data_dir>/airflow` with a SQLite metadata database, example
DAGs off and the DAG folder of this repository, so local runs never touch a
user's own Airflow installation.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from shoplake.errors import ShoplakeError
from shoplake.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from shoplake.settings import Settings

log = logging.getLogger(__name__)
DAG_ID = "shoplake_pipeline"
DAGS_FOLDER = PROJECT_ROOT / "dags"
LOOPBACK = "127.0.0.1"


class PipelineRunError(ShoplakeError):
    """A DAG run did not succeed."""


@dataclass
class DagRunOutcome:
    """The result of one `airflow dags test` run."""

    logical_date: date
    success: bool
    seconds: float
    log_file: Path


def airflow_home(settings: Settings) -> Path:
    return settings.data_dir / "airflow"


def airflow_environment(settings: Settings, ui_port: int = 8080) -> dict[str, str]:
    """Return the environment for Airflow commands: local home, SQLite DB, this repo's DAGs, the profile's AWS."""
    from shoplake import aws

    env = dict(os.environ)
    env.update(aws.aws_environment(settings))
    home = airflow_home(settings)
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__API__HOST": LOOPBACK,
        "AIRFLOW__API__PORT": str(ui_port),
        "AIRFLOW__API__BASE_URL": f"http://{LOOPBACK}:{ui_port}",
        "SHOPLAKE_PATHS__DATA_DIR": str(settings.data_dir),
        "SHOPLAKE_PROFILE": settings.profile,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])),
    })
    env.update(connection_environment(settings))
    return env


def connection_environment(settings: Settings) -> dict[str, str]:
    """Return `AIRFLOW_CONN_*` variables for the profile's AWS account and databases (shown in the UI)."""
    connections = {"AIRFLOW_CONN_AWS_DEFAULT": json.dumps(
        {"conn_type": "aws", "extra": {"profile_name": settings.aws_profile, "region_name": settings.region}})}
    try:
        from shoplake.stack.state import postgres_endpoint

        host, port, _ = postgres_endpoint(settings)
    except ShoplakeError:
        return connections  # the stack is down: no database connections to show
    for name, database in (("SHOPLAKE_SOURCE", settings.source_db), ("SHOPLAKE_WAREHOUSE", settings.warehouse_db)):
        connections[f"AIRFLOW_CONN_{name}"] = json.dumps({
            "conn_type": "postgres", "host": host, "port": port, "login": settings.postgres_user, "schema": database})
    return connections


def airflow_command(*arguments: str) -> list[str]:
    return [str(Path(sys.executable).with_name("airflow")), *arguments]


def ensure_metadata_db(settings: Settings) -> None:
    """Create or upgrade the SQLite metadata database (`airflow db migrate`, idempotent)."""
    home = airflow_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    log_file = home / "db-migrate.log"
    with log_file.open("w") as output:
        result = subprocess.run(airflow_command("db", "migrate"), env=airflow_environment(settings),
                                stdout=output, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        raise PipelineRunError(f"'airflow db migrate' failed with exit code {result.returncode}; see {log_file}")


def run_dag(settings: Settings, day: date, extra_env: dict[str, str] | None = None) -> DagRunOutcome:
    """Run the DAG for `day` with `airflow dags test` and report whether the run succeeded."""
    import time

    ensure_metadata_db(settings)
    log_dir = airflow_home(settings) / "dags-test"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / f"{day.isoformat()}.log"
    env = airflow_environment(settings)
    env.update(extra_env or {})
    started = time.monotonic()
    with log_file.open("w") as output:
        result = subprocess.run(airflow_command("dags", "test", DAG_ID, day.isoformat()), env=env,
                                stdout=output, stderr=subprocess.STDOUT, check=False)
    seconds = time.monotonic() - started
    text = log_file.read_text(errors="replace")
    success = result.returncode == 0 and "state=success" in _final_line(text)
    return DagRunOutcome(day, success, seconds, log_file)


def run_dag_dates(settings: Settings, days: list[date], extra_env: dict[str, str] | None = None) -> list[DagRunOutcome]:
    """Run the DAG for each of `days` in order in one Airflow process; stop at the first failed run.

    Each date is one `DAG.test()` call, the same call `airflow dags test` makes.
    """
    from shoplake.pipeline.dag_test_many import RESULT_PREFIX

    ensure_metadata_db(settings)
    log_dir = airflow_home(settings) / "dags-test"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / f"{days[0].isoformat()}_{days[-1].isoformat()}.log"
    env = airflow_environment(settings)
    env.update(extra_env or {})
    command = [sys.executable, "-m", "shoplake.pipeline.dag_test_many", *(day.isoformat() for day in days)]
    with log_file.open("w") as output:
        subprocess.run(command, env=env, stdout=output, stderr=subprocess.STDOUT, check=False)

    results = {}
    for line in log_file.read_text(errors="replace").splitlines():
        if line.startswith(RESULT_PREFIX):
            entry = json.loads(line[len(RESULT_PREFIX):])
            results[entry["date"]] = entry
    outcomes = []
    for day in days:
        entry = results.get(day.isoformat())
        if entry is None:
            outcomes.append(DagRunOutcome(day, False, 0.0, log_file))
            break
        outcomes.append(DagRunOutcome(day, entry["state"] == "success", entry["seconds"], log_file))
    return outcomes


def _final_line(text: str) -> str:
    finished = [line for line in text.splitlines() if "DagRun Finished" in line]
    return finished[-1] if finished else ""


def dates_between(start: date, end: date) -> list[date]:
    if end < start:
        raise ValueError(f"backfill end {end} is before its start {start}")
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def start_ui(settings: Settings, port: int) -> subprocess.Popen:
    """Start `airflow standalone` (API server, scheduler, DAG processor, triggerer) bound to 127.0.0.1."""
    ensure_metadata_db(settings)
    return subprocess.Popen(airflow_command("standalone"), env=airflow_environment(settings, port))
