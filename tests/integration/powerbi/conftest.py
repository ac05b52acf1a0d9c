"""Fixtures: a private warehouse database in the test stack's PostgreSQL, loaded with the sample star schema."""

from __future__ import annotations

import dataclasses

import psycopg2
import pytest
from powerbi_star_sample import build_rows
from psycopg2 import sql
from psycopg2.extras import execute_values

DATABASE = "powerbi_dashboard_test"


@pytest.fixture(scope="session")
def star_settings(stack):
    """Settings whose warehouse is a fresh database holding the warehouse DDL and the sample star rows.

    A database of its own keeps these rows away from other tests that load the
    shared warehouse database of the same stack.
    """
    from warehouse.ddl import apply_ddl

    admin = psycopg2.connect(stack.warehouse_dsn())
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(DATABASE)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    admin.close()

    settings = dataclasses.replace(stack, warehouse_db=DATABASE)
    apply_ddl(settings)
    with psycopg2.connect(settings.warehouse_dsn()) as connection, connection.cursor() as cursor:
        for table, rows in build_rows().items():
            statement = sql.SQL("INSERT INTO {}.{} VALUES %s").format(sql.Identifier("star"), sql.Identifier(table))
            execute_values(cursor, statement.as_string(connection), rows)
    return settings


@pytest.fixture(scope="session")
def dashboard_build(star_settings, tmp_path_factory):
    """Build the dashboard once over the sample star schema; return (figures, output folder)."""
    from powerbi import dashboard

    out_dir = tmp_path_factory.mktemp("dashboard")
    figures = dashboard.build(star_settings, out_dir)
    return figures, out_dir


@pytest.fixture(scope="session")
def warehouse_cursor(star_settings):
    """A cursor on the sample warehouse for the tests' own SQL."""
    connection = psycopg2.connect(star_settings.warehouse_dsn())
    connection.autocommit = True
    cursor = connection.cursor()
    yield cursor
    cursor.close()
    connection.close()
