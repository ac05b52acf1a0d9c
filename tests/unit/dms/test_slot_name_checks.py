"""SlotName is pasted into CREATE_REPLICATION_SLOT, so only PostgreSQL's slot-name characters pass."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from services.dms.config import load_config
from services.dms.errors import ConfigError

CONFIG_DIR = Path(__file__).resolve().parents[3] / "services" / "dms" / "config"


def _config_with_slot(folder: Path, slot: object) -> Path:
    shutil.copytree(CONFIG_DIR, folder)
    path = folder / "source-endpoint.json"
    document = json.loads(path.read_text())
    document["PostgreSQLSettings"]["SlotName"] = slot
    path.write_text(json.dumps(document))
    return folder


@pytest.mark.parametrize("slot", ["slot_é", "ｓｌｏｔ", "slot;drop", "slot name", "", "a" * 64, 5, None])
def test_invalid_slot_name_is_config_error(tmp_path, slot):
    with pytest.raises(ConfigError) as caught:
        load_config(_config_with_slot(tmp_path / "config", slot))

    assert "SlotName" in str(caught.value)


def test_valid_slot_name_loads(tmp_path):
    config = load_config(_config_with_slot(tmp_path / "config", "shoplake_dms_2"))

    assert config.slot_name == "shoplake_dms_2"
