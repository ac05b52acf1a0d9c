"""Durable checkpoints of the local runner: one JSON file, replaced atomically and fsynced on each save."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


class CheckpointFile:
    """A JSON object on disk that survives kill -9: a save either happened completely or not at all."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, Any] = json.loads(path.read_text()) if path.is_file() else {}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("w") as handle:
            json.dump(self.data, handle, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        descriptor = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def checkpoint_dir(data_dir: Path) -> Path:
    return data_dir / "runner"
