from __future__ import annotations

from pathlib import Path

import pytest

from shoplake.errors import SettingsError
from shoplake.settings import load_settings


def _write_profile(folder: Path, text: str, name: str = "embedded") -> None:
    (folder / f"{name}.toml").write_text(text)


def _embedded_text() -> str:
    return (Path(__file__).resolve().parents[3] / "aws_profile" / "settings" / "embedded.toml").read_text()


@pytest.fixture
def settings_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPLAKE_SETTINGS_DIR", str(tmp_path))
    for name in list(__import__("os").environ):
        if name.startswith("SHOPLAKE_") and "__" in name:
            monkeypatch.delenv(name)
    return tmp_path


def test_embedded_profile_loads(settings_dir):
    _write_profile(settings_dir, _embedded_text())
    settings = load_settings("embedded")
    assert settings.buckets.raw == "shoplake-raw"
    assert settings.ports.s3 == 8333
    assert settings.is_local


def test_missing_key_names_file_key_and_fix(settings_dir):
    _write_profile(settings_dir, _embedded_text().replace('raw = "shoplake-raw"\n', ""))
    with pytest.raises(SettingsError) as caught:
        load_settings("embedded")
    message = str(caught.value)
    assert "[buckets] raw" in message
    assert str(settings_dir / "embedded.toml") in message
    assert "SHOPLAKE_BUCKETS__RAW" in message


def test_unknown_profile_lists_known_ones(settings_dir):
    with pytest.raises(SettingsError) as caught:
        load_settings("staging-eu")
    assert "unknown profile 'staging-eu'" in str(caught.value)
    assert "embedded, compose, aws" in str(caught.value)


def test_invalid_port_is_rejected(settings_dir):
    _write_profile(settings_dir, _embedded_text().replace("s3 = 8333", 's3 = "eighty"'))
    with pytest.raises(SettingsError) as caught:
        load_settings("embedded")
    assert "[ports] s3 = 'eighty'" in str(caught.value)


def test_environment_overrides_file(settings_dir, monkeypatch):
    _write_profile(settings_dir, _embedded_text())
    monkeypatch.setenv("SHOPLAKE_BUCKETS__RAW", "my-raw")
    assert load_settings("embedded").buckets.raw == "my-raw"


def test_explicit_override_beats_environment(settings_dir, monkeypatch):
    _write_profile(settings_dir, _embedded_text())
    monkeypatch.setenv("SHOPLAKE_BUCKETS__RAW", "my-raw")
    assert load_settings("embedded", {"buckets.raw": "explicit-raw"}).buckets.raw == "explicit-raw"


def test_unknown_notifier_is_rejected(settings_dir):
    _write_profile(settings_dir, _embedded_text().replace('notifier = "file"', 'notifier = "pager"'))
    with pytest.raises(SettingsError) as caught:
        load_settings("embedded")
    assert "[alerts] notifier = 'pager'" in str(caught.value)
