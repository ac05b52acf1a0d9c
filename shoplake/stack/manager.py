"""`shoplake stack up | down | status | reset` for the embedded profile."""

from __future__ import annotations

import functools
import logging
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from shoplake import aws
from shoplake.errors import StackError
from shoplake.stack import postgres
from shoplake.stack.lock import prepare_data_dir, stack_lock
from shoplake.stack.processes import (
    ServerExitedError,
    choose_port,
    is_recorded_process,
    listens_on,
    port_in_use,
    process_exited,
    process_start_ticks,
    stop_process,
    wait_until,
)
from shoplake.stack.servers import FirehoseService, Launch, MotoKinesis, PostgresServer, SeaweedS3
from shoplake.stack.state import ServiceState, read_previous_ports, read_state, remember_port, write_state

if TYPE_CHECKING:
    from shoplake.settings import Settings

log = logging.getLogger(__name__)
STOP_SIGNALS = {"postgres": signal.SIGINT}  # SIGINT is PostgreSQL's "fast" shutdown.
STOP_GRACE_S = {"s3": 5.0}
PORT_ATTEMPTS = 3


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
    prepare_data_dir(settings)
    with stack_lock(settings):
        return _up_locked(settings)


def _up_locked(settings: Settings) -> dict[str, ServiceState]:
    state = read_state(settings)
    previous_ports = read_previous_ports(settings)

    for server in servers():
        current = state.get(server.name)
        if current and _is_running(current) and _safe_healthy(server, current.url):
            log.info("%s already running at %s (pid %s)", server.name, current.url, current.pid)
            continue
        start_server(settings, server, state, previous_ports)

    ports = {name: entry.port for name, entry in state.items() if name in ("s3", "kinesis", "firehose")}
    aws.render_config(settings, ports)
    postgres.create_databases(settings)

    from shoplake.provision import ensure_resources

    ensure_resources(settings)
    return state


def start_server(settings: Settings, server: Server, state: dict[str, ServiceState],
                 previous_ports: dict[str, int]) -> ServiceState:
    """Start one server, record it in `state` and stack.json, and wait until it is healthy.

    With port 0, another process can take the chosen free port (or one of the
    server's internal ports) before the server binds it. The server then exits,
    so it is started again on new ports.
    """
    configured = getattr(settings.ports, server.name)
    attempts = PORT_ATTEMPTS if configured == 0 else 1
    previous = previous_ports.get(server.name)
    for attempt in range(1, attempts + 1):
        port = choose_port(server.name, configured, settings.source_file, previous)
        launch = server.start(settings, port)
        entry = ServiceState(server.name, launch.pid, port, launch.url, str(launch.log_file),
                             process_start_ticks(launch.pid))
        state[server.name] = entry
        write_state(settings, state)
        try:
            wait_until(functools.partial(_started, server, launch), server.startup_timeout_s,
                       f"{server.name} at {launch.url}", launch.log_file)
        except ServerExitedError:
            if attempt == attempts or not (port_in_use(port) or _lost_port_race(launch.log_file)):
                raise
            log.warning("%s exited because port %s was taken after it was chosen; retrying on another port",
                        server.name, port)
            previous = None
            continue
        remember_port(settings, server.name, port)
        log.info("started %s at %s (pid %s)", server.name, launch.url, launch.pid)
        return entry
    raise AssertionError("unreachable: the last attempt returns or raises")


def _lost_port_race(log_file: Path) -> bool:
    """Return True when the end of a server's log reports that a port it tried to bind was already in use."""
    if not log_file.is_file():
        return False
    with log_file.open("rb") as log_text:
        log_text.seek(max(0, log_file.stat().st_size - 16_384))
        return b"address already in use" in log_text.read()


def _is_running(entry: ServiceState) -> bool:
    return is_recorded_process(entry.pid, entry.start_ticks, entry.port)


def _stop(entry: ServiceState, grace_s: float = 10.0, first_signal: signal.Signals = signal.SIGTERM) -> bool:
    """Stop the recorded server; return False, signalling nothing, when its PID is dead or now another process's."""
    if not _is_running(entry):
        log.info("%s (pid %s) is not running; nothing to stop", entry.name, entry.pid)
        return False
    stop_process(entry.pid, grace_s, first_signal)
    log.info("stopped %s (pid %s)", entry.name, entry.pid)
    return True


def _started(server: Server, launch: Launch) -> bool:
    if process_exited(launch.pid):
        raise ServerExitedError(f"{server.name} exited during start-up; see {launch.log_file}")
    return server.healthy(launch.url) and listens_on(launch.pid, launch.port)


def _safe_healthy(server: Server, url: str) -> bool:
    try:
        return server.healthy(url)
    except Exception:  # noqa: BLE001 - a failing probe only means "not healthy"
        return False


def down(settings: Settings) -> list[str]:
    """Stop every recorded server by PID (reverse start order) and clean what it leaves behind."""
    _require_embedded(settings)
    if not settings.data_dir.is_dir():
        return []
    with stack_lock(settings):
        return _down_locked(settings)


def _down_locked(settings: Settings) -> list[str]:
    state = read_state(settings)
    stopped = []
    for server in reversed(servers()):
        entry = state.pop(server.name, None)
        if entry is not None and _stop(entry, STOP_GRACE_S.get(server.name, 10.0),
                                       STOP_SIGNALS.get(server.name, signal.SIGTERM)):
            stopped.append(server.name)
        server.cleanup(settings)
    for name, entry in state.items():
        if _stop(entry):
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
        running = _is_running(entry)
        rows.append(ServiceStatus(server.name, entry.url, entry.pid, running, running and _safe_healthy(server, entry.url)))
    return rows


def reset(settings: Settings) -> None:
    """Stop the stack and delete all of its data."""
    _require_embedded(settings)
    if not settings.data_dir.is_dir():
        return
    with stack_lock(settings):
        _down_locked(settings)
        # NOTE: a command waiting for the lock meanwhile holds the deleted file's lock, not a new one.
        shutil.rmtree(settings.data_dir, ignore_errors=True)
