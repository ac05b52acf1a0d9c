"""Faults of the stack manager that need no server: stale state, bad data folders, a held lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from shoplake.errors import StackError
from shoplake.settings import load_settings
from shoplake.stack import manager


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPLAKE_PROFILE", "embedded")
    return load_settings("embedded", {"paths.data_dir": str(tmp_path / "data"), "ports.s3": 0,
                                      "ports.kinesis": 0, "ports.firehose": 0, "ports.postgres": 0})


@pytest.fixture
def unrelated_process():
    """A process that shoplake did not start, in its own session like a server would be."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    yield process
    process.kill()
    process.wait()


def _write_stale_state(settings, pid: int) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    entry = {"name": "kinesis", "pid": pid, "port": 1, "url": "http://127.0.0.1:1", "log_file": "/dev/null"}
    (settings.data_dir / "stack.json").write_text(json.dumps({"services": {"kinesis": entry}}))


def test_down_spares_process_that_reused_pid(settings, unrelated_process):
    _write_stale_state(settings, unrelated_process.pid)

    manager.down(settings)
    time.sleep(0.2)

    assert unrelated_process.poll() is None


def test_status_reports_reused_pid_stopped(settings, unrelated_process):
    _write_stale_state(settings, unrelated_process.pid)

    rows = {row.name: row for row in manager.status(settings)}

    assert rows["kinesis"].running is False
    assert rows["kinesis"].healthy is False


def test_down_tolerates_dead_pid(settings):
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    _write_stale_state(settings, process.pid)

    stopped = manager.down(settings)

    assert stopped == []
    assert json.loads((settings.data_dir / "stack.json").read_text()) == {"services": {}}


def test_corrupt_state_file_is_stack_error(settings):
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / "stack.json").write_text('{"services": {"s3": ')

    with pytest.raises(StackError) as caught:
        manager.status(settings)

    assert "stack.json" in str(caught.value)
    assert "shoplake stack reset" in str(caught.value)


def test_corrupt_ports_file_is_ignored(settings):
    from shoplake.stack.state import read_previous_ports

    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / "ports.json").write_text("not json")

    assert read_previous_ports(settings) == {}


def test_data_dir_under_a_file_is_stack_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings = load_settings("embedded", {"paths.data_dir": str(blocker / "data")})

    with pytest.raises(StackError) as caught:
        manager.up(settings)

    assert str(blocker / "data") in str(caught.value)
    assert "[paths] data_dir" in str(caught.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to any folder")
def test_read_only_data_dir_is_stack_error(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    data_dir.chmod(0o500)
    settings = load_settings("embedded", {"paths.data_dir": str(data_dir)})

    with pytest.raises(StackError) as caught:
        manager.up(settings)

    assert "not writable" in str(caught.value)


def test_up_waits_for_held_stack_lock(settings, monkeypatch):
    from shoplake.stack.lock import stack_lock

    monkeypatch.setattr("shoplake.stack.lock.LOCK_TIMEOUT_S", 0.5)
    with stack_lock(settings):
        with pytest.raises(StackError) as caught:
            manager.up(settings)

    assert "another 'shoplake stack' command" in str(caught.value)
    assert str(settings.data_dir) in str(caught.value)


class ExitingServer:
    """A server whose process fails to bind a taken port and exits, like moto, weed and postgres do."""

    name = "kinesis"
    startup_timeout_s = 20.0
    script = ("import socket, sys, time\n"
              "s = socket.socket()\n"
              "try:\n    s.bind(('127.0.0.1', int(sys.argv[1])))\nexcept OSError:\n    sys.exit('port in use')\n"
              "s.listen()\ntime.sleep(60)\n")

    def start(self, settings, port):
        from shoplake.stack.processes import start_process
        from shoplake.stack.servers import Launch

        log_file = settings.data_dir / "logs" / "fake.log"
        pid = start_process([sys.executable, "-c", self.script, str(port)], log_file)
        return Launch(pid=pid, url=f"http://127.0.0.1:{port}", log_file=log_file)

    def healthy(self, url):
        from shoplake.stack.processes import tcp_open

        return tcp_open(int(url.rsplit(":", 1)[1]))


@pytest.fixture
def taken_port():
    import socket

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    yield holder.getsockname()[1]
    holder.close()


def test_server_exit_during_start_is_reported(settings, taken_port, monkeypatch):
    settings.data_dir.mkdir(parents=True)
    server = ExitingServer()
    monkeypatch.setattr(server, "startup_timeout_s", 600.0)
    monkeypatch.setattr("shoplake.stack.processes.free_port", lambda: taken_port)

    started = time.monotonic()
    with pytest.raises(StackError) as caught:
        manager.start_server(settings, server, {}, {})

    assert "exited during start-up" in str(caught.value)
    assert time.monotonic() - started < 60


def test_port_taken_after_choosing_is_retried(settings, taken_port, monkeypatch):
    from shoplake.stack import processes

    settings.data_dir.mkdir(parents=True)
    chosen = iter([taken_port])
    real_free_port = processes.free_port
    monkeypatch.setattr("shoplake.stack.processes.free_port", lambda: next(chosen, None) or real_free_port())
    state = {}

    entry = manager.start_server(settings, ExitingServer(), state, {})

    assert entry.port != taken_port
    assert state["kinesis"].port == entry.port
    os.kill(entry.pid, 9)



class InternalPortRaceServer(ExitingServer):
    """A server that exits on its first start because an internal port (not the one `up` chose) was taken."""

    script = ("import pathlib, socket, sys, time\n"
              "marker = pathlib.Path(sys.argv[2])\n"
              "if not marker.exists():\n"
              "    marker.touch()\n"
              "    sys.exit('listen tcp 127.0.0.1:1: bind: address already in use')\n"
              "s = socket.socket()\ns.bind(('127.0.0.1', int(sys.argv[1])))\ns.listen()\ntime.sleep(60)\n")

    def start(self, settings, port):
        from shoplake.stack.processes import start_process
        from shoplake.stack.servers import Launch

        log_file = settings.data_dir / "logs" / "fake.log"
        marker = settings.data_dir / "first-start-done"
        pid = start_process([sys.executable, "-c", self.script, str(port), str(marker)], log_file)
        return Launch(pid=pid, url=f"http://127.0.0.1:{port}", log_file=log_file)


def test_internal_port_taken_during_start_is_retried(settings):
    settings.data_dir.mkdir(parents=True)

    entry = manager.start_server(settings, InternalPortRaceServer(), {}, {})

    assert (settings.data_dir / "first-start-done").exists()
    assert InternalPortRaceServer().healthy(entry.url)
    os.kill(entry.pid, 9)
