"""Start, watch and stop local server processes."""

from __future__ import annotations

import errno
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from shoplake.errors import StackError

LOOPBACK = "127.0.0.1"
log = logging.getLogger(__name__)


class ServerExitedError(StackError):
    """A server process exited while `up` waited for it to become healthy."""


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 at the time of the call."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def port_in_use(port: int) -> bool:
    """Return True when a listener is bound to `port` on 127.0.0.1 (connections in TIME_WAIT do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def choose_port(service: str, configured: int, settings_file: Path, previous: int | None = None) -> int:
    """Return the configured port; for 0, the previous run's port if still free, else any free port.

    A configured port that another process uses is an error naming the fix.
    """
    if configured == 0:
        if previous and not port_in_use(previous):
            return previous
        return free_port()
    if port_in_use(configured):
        raise StackError(
            f"port {configured} for {service} is already in use on {LOOPBACK}; stop the process that holds it "
            f"or set [ports] {service} in {settings_file} (0 picks a free port)"
        )
    return configured


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        # 0 and negative numbers address process groups in os.kill, never one recorded server.
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_start_ticks(pid: int) -> int | None:
    """Return the process's start time in clock ticks after boot (/proc/PID/stat field 22), or None.

    None means the process is gone, is a zombie, or /proc is not available.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()  # the command name in brackets may contain spaces
    if fields[0] == "Z":
        return None
    return int(fields[19])


def process_exited(pid: int) -> bool:
    """Return True when `pid` has exited; reaps it when it is this process's child, so a zombie counts as exited."""
    _reap(pid)
    if not pid_alive(pid):
        return True
    return Path("/proc/self/stat").is_file() and process_start_ticks(pid) is None


def listens_on(pid: int, port: int) -> bool:
    """Return True when `pid` or one of its descendants holds the TCP listener on `port`.

    A health check alone cannot tell whether the listener is the server just
    started or another process that took the port first. When this process may
    not inspect the server's sockets, the answer is True (not checked).
    """
    import psutil

    try:
        root = psutil.Process(pid)
        members = [root, *root.children(recursive=True)]
        for member in members:
            for connection in member.net_connections(kind="tcp"):
                if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port:
                    return True
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True
    return False


def is_recorded_process(pid: int, start_ticks: int | None, port: int) -> bool:
    """Return True when `pid` is still the server that `stack up` recorded, not a process that reused the PID.

    The recorded start time must match. State files written before start times
    were recorded fall back to the port, which every server's command line names.
    Without /proc only liveness can be checked.
    """
    if not pid_alive(pid):
        return False
    if not Path("/proc/self/stat").is_file():
        return True
    actual = process_start_ticks(pid)
    if actual is None:
        return False
    if start_ticks is not None:
        return actual == start_ticks
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(str(port).encode() in argument for argument in arguments)


def start_process(command: Sequence[str], log_file: Path, env: dict[str, str] | None = None,
                  user: int | None = None, group: int | None = None, cwd: Path | None = None) -> int:
    """Start a server in its own session, logging to `log_file`; return its PID."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            list(command), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env, start_new_session=True, user=user, group=group, cwd=cwd,
        )
    return process.pid


def wait_until(check: Callable[[], bool], timeout_s: float, description: str, log_file: Path | None = None,
               interval_s: float = 0.2) -> None:
    """Poll `check` until it returns True; raise StackError naming the log after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except StackError:
            raise  # the probe found a failure that waiting cannot fix
        except Exception as exc:  # noqa: BLE001 - any other failure of a probe means "not ready yet"
            log.debug("%s not ready yet: %s", description, exc)
        time.sleep(interval_s)
    where = f"; see {log_file}" if log_file else ""
    raise StackError(f"{description} did not become healthy within {timeout_s:.0f} s{where}")


def stop_process(pid: int, grace_s: float = 10.0, first_signal: signal.Signals = signal.SIGTERM) -> None:
    """Send `first_signal` to the process group, then SIGKILL after `grace_s` seconds."""
    if not pid_alive(pid):
        return
    _signal_group(pid, first_signal)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        _reap(pid)
        if not pid_alive(pid):
            return
        time.sleep(0.1)
    _signal_group(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while pid_alive(pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.05)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def _reap(pid: int) -> None:
    """Collect the exit status when the server is our own child, so it does not linger as a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def tcp_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((LOOPBACK, port)) == 0
