"""Shared fixtures: one embedded stack per test session, on free loopback ports.

The stack runs in a temporary data folder, so tests never touch a developer's
own `.shoplake` stack. Set SHOPLAKE_TEST_DATA_DIR to keep the folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

TEST_PORT_KEYS = ("S3", "KINESIS", "FIREHOSE", "POSTGRES")


def _isolate_environment(data_dir: Path) -> None:
    os.environ["SHOPLAKE_PROFILE"] = "embedded"
    os.environ["SHOPLAKE_PATHS__DATA_DIR"] = str(data_dir)
    os.environ["SHOPLAKE_ALERTS__TARGET"] = str(data_dir / "alerts.jsonl")
    for key in TEST_PORT_KEYS:
        os.environ[f"SHOPLAKE_PORTS__{key}"] = "0"
    os.environ.setdefault("JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


@pytest.fixture(scope="session")
def stack_data_dir() -> Iterator[Path]:
    keep = os.environ.get("SHOPLAKE_TEST_DATA_DIR")
    path = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="shoplake-test-"))
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o755)
    yield path
    if not keep:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def stack(stack_data_dir: Path):
    """Start the embedded stack once for the session and return its settings."""
    from shoplake import aws
    from shoplake.settings import get_settings, reset_settings_cache
    from shoplake.stack import manager

    _isolate_environment(stack_data_dir)
    reset_settings_cache()
    settings = get_settings()
    manager.up(settings)
    aws.activate(settings)
    yield settings
    manager.down(settings)
    reset_settings_cache()


@pytest.fixture(scope="session")
def spark(stack):
    """One SparkSession for the test session, configured for the test stack's S3 server."""
    from shoplake.spark import get_spark

    session = get_spark("shoplake-tests", stack)
    yield session
    session.stop()
