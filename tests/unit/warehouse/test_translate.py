"""The Redshift → PostgreSQL rewrites of the stand-in, one test per rewrite in REWRITES."""

from __future__ import annotations

import pytest
import sqlglot

from warehouse.translate import REWRITES, to_postgres


def _translate(redshift_sql: str) -> str:
    return to_postgres(sqlglot.parse_one(redshift_sql, read="redshift"))


def test_storage_clauses_are_dropped():
    sql = _translate("CREATE TABLE star.t (a INTEGER NOT NULL ENCODE RAW, b VARCHAR(10) ENCODE ZSTD) "
                     "DISTSTYLE KEY DISTKEY (a) COMPOUND SORTKEY (a, b)")

    assert sql == "CREATE TABLE star.t (a INT NOT NULL, b VARCHAR(10))"


def test_backup_no_becomes_unlogged():
    assert _translate("CREATE TABLE IF NOT EXISTS stg.t (LIKE star.t) BACKUP NO") == \
        "CREATE UNLOGGED TABLE IF NOT EXISTS stg.t (LIKE star.t)"
    assert _translate("CREATE TABLE stg.t (a INT) BACKUP YES") == "CREATE TABLE stg.t (a INT)"


def test_key_constraints_are_dropped():
    sql = _translate("CREATE TABLE t (a INT PRIMARY KEY, b INT UNIQUE, c INT REFERENCES d (e), "
                     "PRIMARY KEY (a), UNIQUE (b), FOREIGN KEY (c) REFERENCES d (e))")

    assert sql == "CREATE TABLE t (a INT, b INT, c INT)"


def test_copy_is_not_translated():
    with pytest.raises(ValueError, match="emulated"):
        _translate("COPY stg.t FROM 's3://b/p/' IAM_ROLE 'arn:aws:iam::123456789012:role/r' FORMAT AS PARQUET")


def test_parameters_become_pyformat():
    assert _translate("DELETE FROM star.t WHERE d = CAST(:logical_date AS DATE)") == \
        "DELETE FROM star.t WHERE d = CAST(%(logical_date)s AS DATE)"


def test_every_rewrite_is_listed():
    assert set(REWRITES) == {"storage_clauses", "backup_no", "key_constraints", "copy_parquet", "iam_role"}
