"""Each bad start condition gives one clear error naming the value and the fix."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import pytest

from shoplake.errors import JavaError, StackError
from shoplake.java import ensure_java17
from shoplake.stack.processes import choose_port


def test_taken_port_names_port_and_setting(tmp_path):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    settings_file = tmp_path / "embedded.toml"

    with pytest.raises(StackError) as caught:
        choose_port("s3", port, settings_file)
    holder.close()

    message = str(caught.value)
    assert f"port {port} for s3 is already in use" in message
    assert "[ports] s3" in message
    assert str(settings_file) in message
    assert "\n" not in message


def test_zero_port_picks_a_free_port(tmp_path):
    port = choose_port("s3", 0, tmp_path / "embedded.toml")
    assert 1024 <= port <= 65535


def _fake_java(home: Path, version_line: str) -> Path:
    binary = home / "bin" / "java"
    binary.parent.mkdir(parents=True)
    binary.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    binary.chmod(binary.stat().st_mode | stat.S_IEXEC)
    return home


def test_missing_java_names_path_and_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-java-here"))
    with pytest.raises(JavaError) as caught:
        ensure_java17()
    assert "Java 17 not found" in str(caught.value)
    assert "set JAVA_HOME" in str(caught.value)


def test_wrong_java_version_names_version_and_fix(tmp_path, monkeypatch):
    home = _fake_java(tmp_path / "jdk25", 'openjdk version "25.0.1" 2025-10-21')
    monkeypatch.setenv("JAVA_HOME", str(home))
    with pytest.raises(JavaError) as caught:
        ensure_java17()
    message = str(caught.value)
    assert f"JAVA_HOME={home} is Java 25" in message
    assert "needs Java 17" in message


def test_java17_is_accepted(tmp_path, monkeypatch):
    home = _fake_java(tmp_path / "jdk17", 'openjdk version "17.0.15" 2025-04-15')
    monkeypatch.setenv("JAVA_HOME", str(home))
    assert ensure_java17() == home
