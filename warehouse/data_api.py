"""The `redshift` engine: statements sent through the Redshift Data API (boto3 `redshift-data`).

The first ExecuteStatement opens a session (SessionKeepAliveSeconds) and the
following ones reuse its SessionId, so BEGIN ... COMMIT spans several calls and
`:name` parameters stay bound (BatchExecuteStatement takes no parameters).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from warehouse.errors import SqlExecutionError
from warehouse.polling import wait_until
from warehouse.runner import Row, Runner, used_parameters
from warehouse.translate import to_redshift

if TYPE_CHECKING:
    from shoplake.settings import Settings

log = logging.getLogger(__name__)

SESSION_KEEP_ALIVE_S = 600
FINAL_STATES = ("FINISHED", "FAILED", "ABORTED")


class DataApiRunner(Runner):
    """Run statements on Redshift Serverless (`workgroup`) or a cluster (`cluster_identifier`)."""

    engine = "redshift"

    def __init__(self, settings: Settings, client: Any = None, statement_timeout_s: float = 3600.0) -> None:
        self._connection = connection_parameters(settings.section("warehouse"))
        self._timeout_s = statement_timeout_s
        self._session_id: str | None = None
        if client is None:
            from shoplake import aws

            client = aws.client("redshift-data", settings)
        self._client = client

    def execute(self, statement: exp.Expression, params: Mapping[str, Any] | None, *, where: str) -> list[Row]:
        """Call ExecuteStatement, wait with DescribeStatement, read rows with GetStatementResult."""
        request: dict[str, Any] = {"Sql": to_redshift(statement)}
        bound = used_parameters(statement, params)
        if bound:
            request["Parameters"] = [{"name": name, "value": _text(value)} for name, value in sorted(bound.items())]
        if self._session_id:
            # NOTE: tested only against a fake client; that a transaction spans Data API calls in one session
            # is taken from the SessionId documentation, not from a run on Redshift.
            request["SessionId"] = self._session_id
        else:
            request.update(self._connection, SessionKeepAliveSeconds=SESSION_KEEP_ALIVE_S)

        response = self._client.execute_statement(**request)
        self._session_id = response.get("SessionId") or self._session_id
        statement_id = response["Id"]
        log.debug("%s: statement %s submitted", where, statement_id)

        description = wait_until(
            lambda: self._final_description(statement_id),
            description=f"Redshift statement {statement_id} ({where})",
            timeout_s=self._timeout_s,
        )
        if description["Status"] != "FINISHED":
            raise SqlExecutionError(f"{where} {description['Status'].lower()} on Redshift (statement {statement_id}): "
                                    f"{description.get('Error', 'no error message')}")
        return self._rows(statement_id) if description.get("HasResultSet") else []

    def close(self) -> None:
        """Forget the session; Redshift ends it after SessionKeepAliveSeconds of idleness."""
        self._session_id = None

    def _final_description(self, statement_id: str) -> dict[str, Any] | None:
        description = self._client.describe_statement(Id=statement_id)
        return description if description["Status"] in FINAL_STATES else None

    def _rows(self, statement_id: str) -> list[Row]:
        rows: list[Row] = []
        request = {"Id": statement_id}
        while True:
            page = self._client.get_statement_result(**request)
            rows.extend(tuple(_field_value(field) for field in record) for record in page["Records"])
            if not page.get("NextToken"):
                return rows
            request["NextToken"] = page["NextToken"]


def connection_parameters(section: Mapping[str, Any]) -> dict[str, str]:
    """Return the Data API connection arguments from the `[warehouse]` settings section."""
    if section.get("database") in (None, ""):
        raise ValueError("missing setting [warehouse] database for the redshift engine")
    parameters = {"Database": str(section["database"])}
    if section.get("workgroup"):
        parameters["WorkgroupName"] = str(section["workgroup"])
    elif section.get("cluster_identifier"):
        parameters["ClusterIdentifier"] = str(section["cluster_identifier"])
    else:
        raise ValueError("missing setting [warehouse] workgroup (Redshift Serverless) or cluster_identifier")
    if section.get("secret_arn"):
        parameters["SecretArn"] = str(section["secret_arn"])
    return parameters


def _text(value: Any) -> str:
    # The Data API takes every parameter value as text; Redshift casts it where the SQL says CAST(:x AS ...).
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _field_value(field: Mapping[str, Any]) -> Any:
    if field.get("isNull"):
        return None
    for key in ("longValue", "doubleValue", "booleanValue", "stringValue", "blobValue"):
        if key in field:
            return field[key]
    return None
