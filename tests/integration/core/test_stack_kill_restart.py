"""The stack CLI on its own private stack after kill -9 of each server and with two `up` runs at once.

Every stack operation runs `shoplake` in a subprocess with its own data folder,
so this module never changes the boto3 environment of the session's `stack`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import psycopg2
import pytest
from botocore.exceptions import ClientError

from shoplake.settings import load_settings
from shoplake.spark import local_keys

SHOPLAKE = [sys.executable, "-m", "shoplake.cli"]


def _environment(data_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SHOPLAKE_", "AWS_"))}
    env.update(SHOPLAKE_PROFILE="embedded", SHOPLAKE_PATHS__DATA_DIR=str(data_dir),
               SHOPLAKE_ALERTS__TARGET=str(data_dir / "alerts.jsonl"))
    for key in ("S3", "KINESIS", "FIREHOSE", "POSTGRES"):
        env[f"SHOPLAKE_PORTS__{key}"] = "0"
    return env


class PrivateStack:
    """A stack in its own data folder, driven through the CLI."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.env = _environment(data_dir)
        self.settings = load_settings("embedded", {"paths.data_dir": str(data_dir)})

    def start_cli(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([*SHOPLAKE, *args], env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)

    def cli(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
        return subprocess.run([*SHOPLAKE, *args], env=self.env, capture_output=True, text=True, timeout=timeout,
                              check=False)

    def services(self) -> dict[str, dict]:
        return json.loads((self.data_dir / "stack.json").read_text())["services"]

    def kill_9(self, name: str) -> None:
        pid = self.services()[name]["pid"]
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    def s3(self):
        key_id, secret = local_keys(self.settings)
        return boto3.client("s3", endpoint_url=self.services()["s3"]["url"], region_name="us-east-1",
                            aws_access_key_id=key_id, aws_secret_access_key=secret)

    def processes(self) -> set[int]:
        """Return the PIDs of servers started with this stack's data folder in their environment."""
        marker = f"SHOPLAKE_PATHS__DATA_DIR={self.data_dir}".encode()
        found = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                environ = (entry / "environ").read_bytes().split(b"\0")
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if marker in environ and not command.startswith(b"postgres:"):
                found.add(int(entry.name))
        return found


def _ok(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def private_stack():
    with tempfile.TemporaryDirectory(prefix="shoplake-faults-") as folder:
        os.chmod(folder, 0o755)
        stack = PrivateStack(Path(folder) / "data")
        _ok(stack.cli("stack", "up"))
        yield stack
        stack.cli("stack", "down")


def test_stack_up_after_kill_9_of_postgres(private_stack):
    private_stack.kill_9("postgres")

    _ok(private_stack.cli("stack", "up"))

    with psycopg2.connect(private_stack.settings.warehouse_dsn(), connect_timeout=5) as connection:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)


def test_stack_up_after_kill_9_of_s3_server(private_stack):
    bucket = private_stack.settings.buckets.raw
    private_stack.s3().put_object(Bucket=bucket, Key="kill-9/before.txt", Body=b"kept")
    private_stack.kill_9("s3")

    _ok(private_stack.cli("stack", "up"))

    # After a crash, SeaweedFS accepts S3 requests a moment before its volume server has registered again.
    deadline = time.monotonic() + 30
    while True:
        try:
            body = private_stack.s3().get_object(Bucket=bucket, Key="kill-9/before.txt")["Body"].read()
            break
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "InternalError" or time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    assert body == b"kept"


def test_stack_up_after_kill_9_of_moto(private_stack):
    private_stack.kill_9("kinesis")

    _ok(private_stack.cli("stack", "up"))
    status = private_stack.cli("stack", "status")

    assert status.returncode == 0, status.stdout
    assert "unhealthy" not in status.stdout


def test_concurrent_stack_up_leaves_no_orphans(private_stack):
    _ok(private_stack.cli("stack", "down"))
    assert private_stack.processes() == set()

    first = private_stack.start_cli("stack", "up")
    second = private_stack.start_cli("stack", "up")
    outputs = [first.communicate(timeout=240)[0], second.communicate(timeout=240)[0]]

    assert first.returncode == 0, outputs[0]
    assert second.returncode == 0, outputs[1]
    recorded = {entry["pid"] for entry in private_stack.services().values()}
    assert private_stack.processes() == recorded


def test_down_after_kill_9_stops_the_rest(private_stack):
    _ok(private_stack.cli("stack", "up"))
    private_stack.kill_9("kinesis")

    result = private_stack.cli("stack", "down")

    _ok(result)
    assert "kinesis" not in result.stdout.split("stopped:", 1)[1]
    assert private_stack.processes() == set()
