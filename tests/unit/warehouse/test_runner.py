"""COPY statements built from the template, and parameter binding."""

from __future__ import annotations

import pytest
import sqlglot

from warehouse.runner import copy_statement, used_parameters
from warehouse.translate import to_redshift


def test_copy_statement_fills_the_template():
    statement = copy_statement("stg", "dim_date", "s3://shoplake-curated/extracts/dim_date/dt=2024-01-01/",
                               "arn:aws:iam::123456789012:role/shoplake-redshift-copy")

    assert to_redshift(statement) == (
        "COPY \"stg\".\"dim_date\" FROM 's3://shoplake-curated/extracts/dim_date/dt=2024-01-01/' "
        "IAM_ROLE 'arn:aws:iam::123456789012:role/shoplake-redshift-copy' FORMAT PARQUET")


def test_copy_statement_without_role_uses_default():
    statement = copy_statement("stg", "dim_date", "s3://bk1/p/", None)

    assert "IAM_ROLE default" in to_redshift(statement)


@pytest.mark.parametrize("schema, table", [("stg", "dim_date; DROP TABLE x"), ("Stg", "t"), ("stg", 'a"b')])
def test_copy_statement_rejects_invalid_identifiers(schema, table):
    with pytest.raises(ValueError, match="invalid SQL identifier"):
        copy_statement(schema, table, "s3://bucket/p/", None)


def test_copy_statement_rejects_invalid_source_and_role():
    with pytest.raises(ValueError, match="s3://"):
        copy_statement("stg", "t", "https://bucket/p/", None)
    with pytest.raises(ValueError, match="bucket"):
        copy_statement("stg", "t", "s3://Bad_Bucket/p/", None)
    with pytest.raises(ValueError, match="role ARN"):
        copy_statement("stg", "t", "s3://bucket/p/", "arn:aws:iam::1:role/x' --")


def test_copy_source_with_quote_stays_one_literal():
    statement = copy_statement("stg", "t", "s3://bucket/it's/", None)
    reparsed = sqlglot.parse_one(to_redshift(statement), read="redshift")

    assert [literal.name for literal in reparsed.args["files"]] == ["s3://bucket/it's/"]


def test_used_parameters_keeps_only_placeholders():
    statement = sqlglot.parse_one("SELECT * FROM t WHERE d = :logical_date", read="redshift")

    assert used_parameters(statement, {"logical_date": "2024-01-01", "other": 1}) == {"logical_date": "2024-01-01"}
    with pytest.raises(ValueError, match="missing SQL parameter"):
        used_parameters(statement, {})
