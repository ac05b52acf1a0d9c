"""Fault injection for orchestration tests: make a named stage fail on chosen tries.

Off unless `[pipeline] fault_file` (`SHOPLAKE_PIPELINE__FAULT_FILE`) names a
JSON file such as `{"cdc_apply": {"error": "transient", "tries": [1]}}`.
`error` is `transient` (raises `TransientError`, so Airflow retries) or
`terminal` (raises `TerminalError`); `tries` lists the try numbers that fail
(default `[1]`). `"when": "before"` (the default) fails the try before the
stage runs; `"when": "after"` fails it after the stage has written its
output, which shows whether the retry duplicates rows.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from shoplake.pipeline.errors import TerminalError, TransientError

if TYPE_CHECKING:
    from shoplake.settings import Settings

FAULT_CLASSES = {"transient": TransientError, "terminal": TerminalError}


def inject(settings: Settings, stage: str, day: date, try_number: int, when: str = "before") -> None:
    """Raise the fault planned for `stage` on `try_number` at point `when`, if any."""
    fault_file = settings.section("pipeline").get("fault_file")
    if not fault_file:
        return
    plan = json.loads(Path(fault_file).read_text()).get(stage)
    if not plan or try_number not in plan.get("tries", [1]) or plan.get("when", "before") != when:
        return
    kind = plan.get("error", "transient")
    if kind not in FAULT_CLASSES:
        raise ValueError(f"invalid fault {kind!r} for stage {stage} in {fault_file}: expected transient or terminal")
    raise FAULT_CLASSES[kind](f"injected {kind} fault in stage {stage} for {day.isoformat()} (try {try_number})")
