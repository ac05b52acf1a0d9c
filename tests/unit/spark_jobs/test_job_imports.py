"""Each job script imports the Glue API as a Glue job does, and never shoplake's local code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from spark_jobs.runner import JOBS, JOBS_DIR

GLUE_IMPORTS = {("awsglue.utils", "getResolvedOptions"), ("awsglue.context", "GlueContext"), ("awsglue.job", "Job")}


def imports_of(path: Path) -> tuple[set[tuple[str, str]], set[str]]:
    names, modules = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            names.update((node.module, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return names, modules


@pytest.mark.parametrize("job", JOBS)
def test_job_imports_glue_names(job):
    names, _ = imports_of(JOBS_DIR / f"{job}.py")
    assert GLUE_IMPORTS <= names


# The profile's settings are the same module on every profile; everything else of shoplake is local code.
PROFILE_NEUTRAL_MODULES = {"shoplake.settings"}


@pytest.mark.parametrize("job", JOBS)
def test_job_avoids_local_implementation(job):
    _, modules = imports_of(JOBS_DIR / f"{job}.py")
    local = {module for module in modules if module.split(".")[0] in ("shoplake", "_glue_local") or "glue_local" in module}
    assert local - PROFILE_NEUTRAL_MODULES == set()


def test_shared_helpers_avoid_shoplake():
    helper_modules = set()
    for path in (JOBS_DIR / "common").glob("*.py"):
        helper_modules |= {module for module in imports_of(path)[1] if module.split(".")[0] == "shoplake"}
    assert helper_modules == set()


def test_awsglue_only_on_runner_path():
    import subprocess
    import sys

    probe = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('awsglue') is None else 1)"
    assert subprocess.run([sys.executable, "-c", probe], check=False).returncode == 0
    assert (JOBS_DIR / "_glue_local" / "awsglue" / "job.py").is_file()
