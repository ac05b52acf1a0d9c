"""Fixtures of the aws-profile tests: a moto server that records requests, and compose-image servers.

`moto_aws` points the `aws` profile at a private moto server (AWS_ENDPOINT_URL, for one
test only) so the adapters' real AWS code paths run over a socket; moto's request recorder
returns what each call sent. `s3_endpoint` uses the compose file's MinIO image through
testcontainers where a Docker engine answers, and the embedded stack's S3 server otherwise.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from shoplake.stack.processes import free_port

ROOT = Path(__file__).resolve().parents[3]
LOOPBACK = "127.0.0.1"


@dataclass
class MotoServer:
    """A moto server on a loopback port with its request recorder switched on."""

    url: str
    process: subprocess.Popen

    def _call(self, method: str, path: str) -> bytes:
        request = urllib.request.Request(self.url + path, method=method)
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback URL
            return bytes(response.read())

    def reset(self) -> None:
        """Delete every resource the server holds, so each test starts from an empty account."""
        self._call("POST", "/moto-api/reset")

    def restart_recording(self) -> None:
        self._call("POST", "/moto-api/recorder/reset-recording")
        self._call("POST", "/moto-api/recorder/start-recording")

    def requests(self, target: str) -> list[dict[str, Any]]:
        """Return the JSON bodies of recorded requests whose X-Amz-Target is `target`."""
        bodies = []
        for line in self._call("GET", "/moto-api/recorder/download-recording").decode().splitlines():
            entry = json.loads(line)
            if entry["headers"].get("X-Amz-Target") != target:
                continue
            body = base64.b64decode(entry["body"]) if entry.get("body_encoded") else entry["body"].encode()
            bodies.append(json.loads(body))
        return bodies


def _wait_for(url: str, process: subprocess.Popen, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto server exited with {process.returncode} before answering at {url}")
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1).close()  # noqa: S310 - loopback URL
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"moto server at {url} did not answer within {timeout_s} s")


@pytest.fixture(scope="module")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    port = free_port()
    folder = tmp_path_factory.mktemp("moto")
    log_file = folder / "moto.log"
    # The recorder writes its file to the working directory unless MOTO_RECORDER_FILEPATH is set.
    environment = dict(os.environ, MOTO_ENABLE_RECORDING="True", MOTO_RECORDER_FILEPATH=str(folder / "recording"))
    with log_file.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", LOOPBACK, "-p", str(port)],
                                   stdout=log, stderr=subprocess.STDOUT, env=environment)
    server = MotoServer(url=f"http://{LOOPBACK}:{port}", process=process)
    try:
        _wait_for(server.url, process)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def moto_aws(moto_server: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Return the `aws` profile's settings with boto3 pointed at the moto server for this test only."""
    from shoplake.settings import load_settings

    config = tmp_path / "aws-config"
    config.write_text("[profile shoplake-aws]\nregion = eu-west-1\n"
                      "aws_access_key_id = moto\naws_secret_access_key = moto-test-only\n")
    # activate() exports these; setting them here first makes monkeypatch restore them afterwards.
    for key in ("AWS_PROFILE", "AWS_DEFAULT_REGION", "SHOPLAKE_PROFILE", "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_PROFILE", "shoplake-aws")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("SHOPLAKE_PROFILE", "aws")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    for name in [name for name in os.environ if name.startswith("AWS_ENDPOINT_URL_")]:
        monkeypatch.delenv(name)

    # boto3.client() reuses a default session that read the environment of an earlier test.
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)

    moto_server.reset()
    moto_server.restart_recording()
    return load_settings("aws", overrides={"paths.data_dir": str(tmp_path / "data")})


def _compose_image(service: str) -> str:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return str(compose["services"][service]["image"])


def _docker_engine_reason() -> str | None:
    """Return why testcontainers cannot run here, or None when a Docker engine answers."""
    try:
        import docker
    except ImportError:
        return "the docker Python package is not installed"
    try:
        docker.from_env().ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "no engine"
        return f"no Docker engine answers ({type(exc).__name__})"
    return None


@dataclass
class S3Endpoint:
    """An S3 server for a test: where it runs and what started it."""

    url: str
    access_key: str
    secret_key: str
    source: str


@pytest.fixture(scope="session")
def s3_endpoint(request: pytest.FixtureRequest) -> Iterator[S3Endpoint]:
    """MinIO from the compose file's image when Docker is available, else the embedded stack's S3 server."""
    reason = _docker_engine_reason()
    if reason is None:
        from testcontainers.minio import MinioContainer

        with MinioContainer(_compose_image("minio"), access_key="shoplake", secret_key="shoplake-local-only") as minio:
            url = f"http://{minio.get_container_host_ip()}:{minio.get_exposed_port(9000)}"
            yield S3Endpoint(url, "shoplake", "shoplake-local-only", f"container {_compose_image('minio')}")
        return

    from shoplake.spark import local_keys
    from shoplake.stack.state import endpoint_url

    settings = request.getfixturevalue("stack")
    access_key, secret_key = local_keys(settings)
    yield S3Endpoint(endpoint_url(settings, "s3"), access_key, secret_key, f"embedded SeaweedFS ({reason})")
