"""Fixtures for the pipeline unit tests: settings in a temporary folder, no servers."""

from __future__ import annotations

import pytest


@pytest.fixture
def settings(tmp_path, monkeypatch):
    from shoplake.settings import load_settings

    monkeypatch.setenv("SHOPLAKE_PROFILE", "embedded")
    return load_settings("embedded", {"paths.data_dir": str(tmp_path), "alerts.target": str(tmp_path / "alerts.jsonl"),
                                      "alerts.notifier": "file"})


@pytest.fixture
def settings_with(tmp_path, monkeypatch):
    """Build settings with extra `section.key` overrides."""
    from shoplake.settings import load_settings

    def build(**overrides):
        base = {"paths.data_dir": str(tmp_path), "alerts.target": str(tmp_path / "alerts.jsonl"),
                "alerts.notifier": "file"}
        base.update({key.replace("__", "."): value for key, value in overrides.items()})
        return load_settings("embedded", base)

    return build
