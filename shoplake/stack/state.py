"""The stack's state file: which server runs with which PID, on which port."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shoplake.errors import StackError, StackNotRunningError

if TYPE_CHECKING:
    from shoplake.settings import Settings

LOOPBACK = "127.0.0.1"


@dataclass
class ServiceState:
    """One running server as recorded by `shoplake stack up`."""

    name: str
    pid: int
    port: int
    url: str
    log_file: str
    start_ticks: int | None = None  # /proc start time, so a PID reused by another process is not mistaken for it


def state_file(settings: Settings) -> Path:
    return settings.data_dir / "stack.json"


def read_state(settings: Settings) -> dict[str, ServiceState]:
    """Return the recorded services, or an empty dict when the stack never started."""
    path = state_file(settings)
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text())
        return {name: ServiceState(**entry) for name, entry in raw["services"].items()}
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise StackError(
            f"invalid state file {path} ({exc}); stop any servers it listed by hand, "
            "then run 'shoplake stack reset' (deletes the data) or delete the file"
        ) from exc


def write_state(settings: Settings, services: dict[str, ServiceState]) -> None:
    """Write the state file atomically, so a killed `up` never leaves half a file."""
    path = state_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps({"services": {name: asdict(s) for name, s in services.items()}}, indent=2))
    os.replace(temporary, path)


def read_previous_ports(settings: Settings) -> dict[str, int]:
    """Return the ports of the last `up`, so a restart keeps its addresses when they are free."""
    path = settings.data_dir / "ports.json"
    if not path.is_file():
        return {}
    try:
        return {name: int(port) for name, port in json.loads(path.read_text()).items()}
    except (ValueError, TypeError, AttributeError):
        return {}  # only a preference: a damaged file means "pick free ports"


def remember_port(settings: Settings, service: str, port: int) -> None:
    ports = read_previous_ports(settings)
    ports[service] = port
    (settings.data_dir / "ports.json").write_text(json.dumps(ports, indent=2))


def password_file(settings: Settings) -> Path:
    return settings.data_dir / "postgres" / "password"


def postgres_endpoint(settings: Settings) -> tuple[str, int, str | None]:
    """Return host, port and password of the profile's PostgreSQL server."""
    if settings.profile != "embedded":
        password = os.environ.get("SHOPLAKE_POSTGRES__PASSWORD")
        port = settings.ports.postgres or int(settings.section("postgres").get("port", 5432))
        return settings.postgres_host, port, password

    service = read_state(settings).get("postgres")
    if service is None:
        raise StackNotRunningError(
            f"PostgreSQL of the embedded stack is not running (no entry in {state_file(settings)}); "
            "run 'shoplake stack up'"
        )
    secret = password_file(settings)
    password = secret.read_text().strip() if secret.is_file() else None
    return LOOPBACK, service.port, password


def endpoint_url(settings: Settings, service: str) -> str:
    """Return the recorded URL of one local HTTP server (s3, kinesis or firehose)."""
    entry = read_state(settings).get(service)
    if entry is None:
        raise StackNotRunningError(f"{service} of the embedded stack is not running; run 'shoplake stack up'")
    return entry.url
