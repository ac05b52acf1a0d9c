"""Failure classes of the pipeline: transient failures are retried, terminal ones are not.

Airflow retries every exception except `AirflowFailException`, so the task
wrapper in `shoplake.pipeline.runtime` turns each failure into either a
`TransientError` (retried with back-off) or `AirflowFailException` (fails at once).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

from shoplake.errors import ShoplakeError

# AWS error codes that mean "try again later" (throttling, service-side errors).
TRANSIENT_AWS_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded",
    "ProvisionedThroughputExceededException", "SlowDown", "ServiceUnavailable",
    "ServiceUnavailableException", "InternalError", "InternalFailure", "InternalServerError",
    "RequestTimeout", "RequestTimeoutException", "TooManyRequestsException",
})


class PipelineError(ShoplakeError):
    """Base class of the pipeline's failures."""


class TransientError(PipelineError):
    """A failure that may pass on retry: a dropped connection, throttling, a busy server."""


class TerminalError(PipelineError):
    """A failure that a retry cannot fix: bad input, a failed quality gate, missing code."""


class StageMissingError(TerminalError):
    """The module or function that implements a stage is not installed."""

    def __init__(self, task_id: str, module: str, function: str, cause: str) -> None:
        super().__init__(
            f"stage {task_id!r} needs {module}.{function}, which is not available ({cause}); "
            f"install the package that provides {module} or fix the stage table in shoplake.pipeline.stages"
        )
        self.task_id = task_id
        self.module = module
        self.function = function


class QualityGateError(TerminalError):
    """A Great Expectations checkpoint failed, so the data must not move on."""

    def __init__(self, gate: str, logical_date: str, failed: list[str], docs: str) -> None:
        shown = "; ".join(failed[:10]) + (f"; and {len(failed) - 10} more" if len(failed) > 10 else "")
        super().__init__(f"quality gate {gate} failed for {logical_date}: {shown}; see the Data Docs at {docs}")
        self.gate = gate
        self.failed = failed


def causes(exc: BaseException) -> Iterator[BaseException]:
    """Yield `exc` and the exceptions it was raised from (`raise ... from`), outermost first.

    Implicit context (an exception raised while handling another) is not followed:
    a `ValueError` raised inside an `except ConnectionError` block is still a `ValueError`.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__


def is_transient(exc: BaseException) -> bool:
    """Return True when `exc`, or an exception it was raised from, may pass on retry.

    A `TerminalError` anywhere in the chain wins over a transient cause.
    """
    chain = list(causes(exc))
    if any(isinstance(item, TerminalError) for item in chain):
        return False
    return any(_is_transient_one(item) for item in chain)


def _is_transient_one(exc: BaseException) -> bool:
    if isinstance(exc, TransientError | ConnectionError | TimeoutError | socket.timeout):
        return True
    return _is_transient_botocore(exc) or _is_transient_postgres(exc)


def _is_transient_botocore(exc: BaseException) -> bool:
    try:
        from botocore import exceptions as botocore_errors
    except ImportError:
        return False

    connection_errors = (
        botocore_errors.EndpointConnectionError, botocore_errors.ConnectionClosedError,
        botocore_errors.ConnectTimeoutError, botocore_errors.ReadTimeoutError,
    )
    if isinstance(exc, connection_errors):
        return True
    if isinstance(exc, botocore_errors.ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error.get("Code") in TRANSIENT_AWS_CODES or int(status or 0) >= 500
    return False


def _is_transient_postgres(exc: BaseException) -> bool:
    # OperationalError covers lost connections, refused connections and server shutdowns
    # in both drivers; InterfaceError is psycopg2's "connection already closed".
    for module_name in ("psycopg2", "psycopg"):
        try:
            module = __import__(module_name)
        except ImportError:
            continue
        transient = (module.OperationalError, module.InterfaceError)
        if isinstance(exc, transient):
            return True
    return False
