"""Every warehouse .sql file parses with sqlglot's Redshift dialect."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from warehouse.sqlfiles import SQL_DIR, all_sql_files, ddl_files, statements
from warehouse.tables import STAR_TABLES, columns


@pytest.mark.parametrize("relative", all_sql_files())
def test_sql_file_parses_as_redshift(relative):
    parsed = sqlglot.parse((SQL_DIR / relative).read_text(), read="redshift",
                           error_level=sqlglot.ErrorLevel.RAISE)

    assert parsed
    assert not [statement for statement in parsed if isinstance(statement, exp.Command)]


def test_ddl_files_run_in_dependency_order():
    assert ddl_files() == ["ddl/00_schemas.sql", "ddl/10_star_dimensions.sql", "ddl/20_star_facts.sql",
                           "ddl/25_audit.sql", "ddl/30_staging.sql", "ddl/40_marts.sql"]


def test_trailing_comments_are_not_statements():
    assert all(isinstance(statement, exp.Create) for statement in statements("ddl/10_star_dimensions.sql"))


@pytest.mark.parametrize("table", [table.name for table in STAR_TABLES])
def test_every_star_table_has_storage_choices(table):
    create = next(statement for relative in ddl_files() for statement in statements(relative)
                  if isinstance(statement, exp.Create) and isinstance(statement.this, exp.Schema)
                  and statement.this.this.name == table and statement.this.this.db == "star")
    encodings = list(create.find_all(exp.EncodeColumnConstraint))

    assert create.find(exp.DistStyleProperty) is not None
    assert create.find(exp.SortKeyProperty) is not None
    assert len(encodings) == len(columns("star", table))


def test_star_columns_follow_the_contract():
    contract = {
        "fact_transactions": ["payment_id", "order_id", "date_key", "customer_key", "campaign_key", "payment_ts",
                              "amount", "currency", "amount_usd", "payment_status", "payment_method", "coupon_code"],
        "dim_customer": ["customer_key", "customer_id", "email_hash", "country", "city", "signup_date",
                         "first_order_date", "segment"],
    }

    for table, names in contract.items():
        assert [column.name for column in columns("star", table)] == names
