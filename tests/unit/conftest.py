"""Unit tests see none of the integration stack's environment, whatever order pytest runs them in."""

import os

import pytest


@pytest.fixture(autouse=True)
def _without_stack_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from shoplake.settings import reset_settings_cache

    for name in [name for name in os.environ if name.startswith("SHOPLAKE_")]:
        monkeypatch.delenv(name)
    reset_settings_cache()
