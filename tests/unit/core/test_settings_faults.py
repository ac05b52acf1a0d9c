"""Malformed settings files and junk environment overrides give a SettingsError, never a traceback."""

from __future__ import annotations

import json
import shutil

import pytest
from psycopg2.extensions import parse_dsn

from shoplake.errors import SettingsError
from shoplake.settings import SETTINGS_DIR, load_settings


@pytest.fixture
def settings_dir(tmp_path, monkeypatch):
    folder = tmp_path / "settings"
    folder.mkdir()
    shutil.copy(SETTINGS_DIR / "embedded.toml", folder / "embedded.toml")
    monkeypatch.setenv("SHOPLAKE_SETTINGS_DIR", str(folder))
    return folder


@pytest.mark.parametrize("line", ['ports = "x"', "buckets = 5", "postgres = [1, 2]"])
def test_section_that_is_not_a_table_is_settings_error(settings_dir, line):
    path = settings_dir / "embedded.toml"
    text = path.read_text()
    section = line.split(" ")[0]
    path.write_text(line + "\n" + text.replace(f"[{section}]", f"[{section}_unused]"))

    with pytest.raises(SettingsError) as caught:
        load_settings("embedded")

    assert f"[{section}]" in str(caught.value)
    assert "table" in str(caught.value)


@pytest.mark.parametrize("value", ["0", "-3", "x"])
def test_campaign_shards_below_one_is_settings_error(settings_dir, monkeypatch, value):
    monkeypatch.setenv("SHOPLAKE_STREAMS__CAMPAIGN_SHARDS", value)

    with pytest.raises(SettingsError) as caught:
        load_settings("embedded")

    assert "campaign_shards" in str(caught.value)


@pytest.mark.parametrize("name", ["shop source", "x'; DROP TABLE t; --", "back\\slash", "quote\"d", "émoji🚀"])
def test_dsn_keeps_database_and_user_names_whole(tmp_path, name):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    entry = {"name": "postgres", "pid": 1, "port": 5555, "url": "postgresql://127.0.0.1:5555", "log_file": "x"}
    (data_dir / "stack.json").write_text(json.dumps({"services": {"postgres": entry}}))
    settings = load_settings("embedded", {"paths.data_dir": str(data_dir), "postgres.source_db": name,
                                          "postgres.user": name})

    parsed = parse_dsn(settings.source_dsn())

    assert parsed["dbname"] == name
    assert parsed["user"] == name
    assert parsed["port"] == "5555"


@pytest.mark.parametrize("value", ["true", "80.9", "1e3", '"0x50"'])
def test_port_of_wrong_toml_type_is_settings_error(settings_dir, value):
    path = settings_dir / "embedded.toml"
    path.write_text(path.read_text().replace("s3 = 8333", f"s3 = {value}"))

    with pytest.raises(SettingsError) as caught:
        load_settings("embedded")

    assert "[ports] s3" in str(caught.value)
