"""`shoplake stack up | down | status | reset` for the embedded profile."""

from __future__ import annotations

import functools
import logging
import shutil
import signal
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from shoplake import aws
from shoplake.errors import StackError
from shoplake.stack import postgres
from shoplake.stack.processes import choose_port, pid_alive, stop_process, wait_until
from shoplake.stack.servers import FirehoseService, Launch, MotoKinesis, PostgresServer, SeaweedS3
from shoplake.stack.state import ServiceState, read_previous_ports, read_state, remember_port, write_state

if TYPE_CHECKING:
    from shoplake.settings import Settings

log = logging.getLogger(__name__)
STOP_SIGNALS = {"postgres": signal.SIGINT}  # SIGINT is PostgreSQL's "fast" shutdown.
STOP_GRACE_S = {"s3": 5.0}


class Server(Protocol):
    name: str
    startup_timeout_s: float

    def start(self, settings: Settings, port: int) -> Launch: ...
    def healthy(self, url: str) -> bool: ...
    def cleanup(self, settings: Settings) -> None: ...


@dataclass
class ServiceStatus:
    """One line of `shoplake stack status`."""

    name: str
    url: str
    pid: int
    running: bool
    healthy: bool


def servers() -> list[Server]:
    """Return the stack's servers in start order."""
    found: list[Server] = [SeaweedS3(), MotoKinesis(), PostgresServer()]
    firehose = FirehoseService()
    if firehose.available():
        found.append(firehose)
    return found


def _require_embedded(settings: Settings) -> None:
    if settings.profile != "embedded":
        raise StackError(
            f"'shoplake stack' manages the embedded profile only, but the active profile is {settings.profile!r}; "
            "use 'make up' for compose, or set SHOPLAKE_PROFILE=embedded"
        )


def up(settings: Settings) -> dict[str, ServiceState]:
    """Start every server that is not already healthy, then create buckets, streams and databases."""
    _require_embedded(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    state = read_state(settings)
    previous_ports = read_previous_ports(settings)

    for server in servers():
        current = state.get(server.name)
        if current and pid_alive(current.pid) and _safe_healthy(server, current.url):
            log.info("%s already running at %s (pid %s)", server.name, current.url, current.pid)
            continue
        port = choose_port(server.name, getattr(settings.ports, server.name), settings.source_file,
                           previous_ports.get(server.name))
        launch = server.start(settings, port)
        state[server.name] = ServiceState(server.name, launch.pid, port, launch.url, str(launch.log_file))
        write_state(settings, state)
        remember_port(settings, server.name, port)
        wait_until(functools.partial(_started, server, launch), server.startup_timeout_s,
                   f"{server.name} at {launch.url}", launch.log_file)
        log.info("started %s at %s (pid %s)", server.name, launch.url, launch.pid)

    ports = {name: entry.port for name, entry in state.items() if name in ("s3", "kinesis", "firehose")}
    aws.render_config(settings, ports)
    postgres.create_databases(settings)

    from shoplake.provision import ensure_resources

    ensure_resources(settings)
    return state


def _started(server: Server, launch: Launch) -> bool:
    if not pid_alive(launch.pid):
        raise StackError(f"{server.name} exited during start-up; see {launch.log_file}")
    return server.healthy(launch.url)


def _safe_healthy(server: Server, url: str) -> bool:
    try:
        return server.healthy(url)
    except Exception:  # noqa: BLE001 - a failing probe only means "not healthy"
        return False


def down(settings: Settings) -> list[str]:
    """Stop every recorded server by PID (reverse start order) and clean what it leaves behind."""
    _require_embedded(settings)
    state = read_state(settings)
    stopped = []
    for server in reversed(servers()):
        entry = state.pop(server.name, None)
        if entry is not None:
            stop_process(entry.pid, STOP_GRACE_S.get(server.name, 10.0), STOP_SIGNALS.get(server.name, signal.SIGTERM))
            stopped.append(server.name)
            log.info("stopped %s (pid %s)", server.name, entry.pid)
        server.cleanup(settings)
    for name, entry in state.items():
        stop_process(entry.pid)
        stopped.append(name)
    write_state(settings, {})
    return stopped


def status(settings: Settings) -> list[ServiceStatus]:
    """Return each known server with its address, PID, liveness and health."""
    _require_embedded(settings)
    state = read_state(settings)
    rows = []
    for server in servers():
        entry = state.get(server.name)
        if entry is None:
            rows.append(ServiceStatus(server.name, "-", 0, False, False))
            continue
        running = pid_alive(entry.pid)
        rows.append(ServiceStatus(server.name, entry.url, entry.pid, running, running and _safe_healthy(server, entry.url)))
    return rows


def reset(settings: Settings) -> None:
    """Stop the stack and delete all of its data."""
    down(settings)
    shutil.rmtree(settings.data_dir, ignore_errors=True)
