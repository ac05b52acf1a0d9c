"""The generator stops with one clear error when the embedded stack is not running."""

import dataclasses

import pytest

from sample_data.stack_check import check_stack
from shoplake.errors import StackNotRunningError
from shoplake.settings import load_settings


def test_stack_not_up_raises_clear_error(tmp_path):
    settings = dataclasses.replace(load_settings("embedded"), data_dir=tmp_path)
    with pytest.raises(StackNotRunningError) as error:
        check_stack(settings)
    assert "shoplake stack up" in str(error.value)


def test_invalid_scale_rejected():
    from sample_data.config import Plan

    with pytest.raises(ValueError, match="invalid scale"):
        Plan(42, 0)
