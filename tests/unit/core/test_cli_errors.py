"""The CLI prints shoplake's errors as one line and usage errors as Typer does."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _shoplake(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-m", "shoplake.cli", *args], capture_output=True, text=True,
                          env=environment, check=False, timeout=60)


def test_unknown_profile_is_one_line():
    result = _shoplake("--profile", "nope", "stack", "status")
    assert result.returncode == 2
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: unknown profile 'nope'")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [("stack", "nosuch"), ("stack", "status", "--bogus")])
def test_usage_error_has_no_traceback(args):
    result = _shoplake(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
