"""The Redshift Data API runner against a fake `redshift-data` client."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlglot

from warehouse.data_api import DataApiRunner, connection_parameters
from warehouse.errors import SqlExecutionError

SECTION = {"engine": "redshift", "workgroup": "shoplake", "database": "dev",
           "secret_arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shoplake/redshift"}


class FakeRedshiftData:
    """Records requests; each statement finishes after one RUNNING answer."""

    def __init__(self, fail: bool = False, records: list | None = None) -> None:
        self.requests: list[dict] = []
        self.polls: dict[str, int] = {}
        self.fail = fail
        self.records = records

    def execute_statement(self, **request):
        self.requests.append(request)
        statement_id = f"stmt-{len(self.requests)}"
        self.polls[statement_id] = 0
        return {"Id": statement_id, "SessionId": "session-1"}

    def describe_statement(self, Id):
        self.polls[Id] += 1
        if self.polls[Id] == 1:
            return {"Id": Id, "Status": "RUNNING"}
        if self.fail:
            return {"Id": Id, "Status": "FAILED", "Error": "ERROR: relation \"star.x\" does not exist"}
        return {"Id": Id, "Status": "FINISHED", "HasResultSet": self.records is not None}

    def get_statement_result(self, Id, NextToken=None):
        if NextToken is None:
            return {"Records": self.records[:1], "NextToken": "page-2"}
        return {"Records": self.records[1:]}


def _runner(client) -> DataApiRunner:
    settings = SimpleNamespace(section=lambda name: dict(SECTION))
    runner = DataApiRunner(settings, client=client)
    return runner


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr("warehouse.polling.time.sleep", lambda seconds: None)


def test_first_statement_opens_session_and_binds_parameters():
    client = FakeRedshiftData()
    runner = _runner(client)
    statement = sqlglot.parse_one("DELETE FROM audit.load_audit WHERE logical_date = CAST(:logical_date AS DATE)",
                                  read="redshift")

    runner.execute(statement, {"logical_date": "2024-03-01", "unused": 1}, where="test")
    runner.execute(statement, {"logical_date": "2024-03-02"}, where="test")

    first, second = client.requests
    assert first["WorkgroupName"] == "shoplake"
    assert first["Database"] == "dev"
    assert first["SecretArn"] == SECTION["secret_arn"]
    assert first["SessionKeepAliveSeconds"] > 0
    assert first["Parameters"] == [{"name": "logical_date", "value": "2024-03-01"}]
    assert ":logical_date" in first["Sql"]
    assert second["SessionId"] == "session-1"
    assert "WorkgroupName" not in second


def test_failed_statement_raises_with_engine_message():
    runner = _runner(FakeRedshiftData(fail=True))

    with pytest.raises(SqlExecutionError, match="does not exist") as caught:
        runner.execute(sqlglot.parse_one("SELECT 1", read="redshift"), None, where="audit/x.sql statement 1")

    assert "audit/x.sql statement 1 failed" in str(caught.value)


def test_result_pages_become_rows():
    records = [[{"stringValue": "dim_date"}, {"longValue": 3}], [{"stringValue": "dim_product"}, {"isNull": True}]]
    runner = _runner(FakeRedshiftData(records=records))

    rows = runner.execute(sqlglot.parse_one("SELECT a, b FROM t", read="redshift"), None, where="test")

    assert rows == [("dim_date", 3), ("dim_product", None)]


def test_transaction_sends_begin_and_commit_in_the_session():
    client = FakeRedshiftData()
    runner = _runner(client)

    with runner.transaction():
        runner.execute(sqlglot.parse_one("SELECT 1", read="redshift"), None, where="test")

    assert [request["Sql"] for request in client.requests] == ["BEGIN", "SELECT 1", "COMMIT"]
    assert all(request.get("SessionId") == "session-1" for request in client.requests[1:])


def test_connection_parameters_need_workgroup_or_cluster():
    assert connection_parameters({"database": "dev", "cluster_identifier": "c1"}) == {
        "Database": "dev", "ClusterIdentifier": "c1"}
    with pytest.raises(ValueError, match="workgroup"):
        connection_parameters({"database": "dev"})
