"""Failure classification: what Airflow retries and what fails at once."""

from __future__ import annotations

import psycopg
import psycopg2
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from shoplake.pipeline.errors import StageMissingError, TerminalError, TransientError, is_transient


def _client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


@pytest.mark.parametrize("error", [
    TransientError("busy"),
    ConnectionResetError("reset"),
    TimeoutError("slow"),
    EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
    ReadTimeoutError(endpoint_url="http://127.0.0.1:1"),
    _client_error("ThrottlingException", 400),
    _client_error("ProvisionedThroughputExceededException", 400),
    _client_error("InternalError", 500),
    _client_error("SomethingNew", 503),
    psycopg2.OperationalError("server closed the connection unexpectedly"),
    psycopg.OperationalError("connection refused"),
])
def test_transient_errors(error):
    assert is_transient(error)


@pytest.mark.parametrize("error", [
    ValueError("bad row"),
    KeyError("column"),
    TerminalError("bad input"),
    StageMissingError("cdc_apply", "shoplake.adapters.glue", "run_job", "module not found"),
    _client_error("AccessDenied", 403),
    _client_error("NoSuchBucket", 404),
    psycopg2.errors.UndefinedTable("relation does not exist"),
])
def test_terminal_errors(error):
    assert not is_transient(error)


def test_transient_cause_is_followed():
    try:
        try:
            raise psycopg2.OperationalError("connection lost")
        except psycopg2.OperationalError as cause:
            raise RuntimeError("load failed") from cause
    except RuntimeError as error:
        assert is_transient(error)


def test_implicit_context_is_not_followed():
    try:
        try:
            raise ConnectionResetError("reset")
        except ConnectionResetError:
            raise ValueError("bad value")  # noqa: B904 - the implicit context is the point of the test
    except ValueError as error:
        assert not is_transient(error)


def test_terminal_wins_over_transient_cause():
    error = TerminalError("gate failed")
    error.__cause__ = ConnectionResetError("reset")
    assert not is_transient(error)


def test_stage_missing_names_module():
    error = StageMissingError("cdc_apply", "shoplake.adapters.glue", "run_job", "module shoplake.adapters not found")
    assert "shoplake.adapters.glue.run_job" in str(error)
    assert "cdc_apply" in str(error)
