"""The warehouse's .sql files, written in Redshift's dialect, parsed into statements with sqlglot."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import sqlglot
from sqlglot import exp

SQL_DIR = Path(__file__).resolve().parent / "sql"
DIALECT = "redshift"


def sql_path(relative: str) -> Path:
    """Return the path of a file under warehouse/sql, for example `load/40_merge_star.sql`."""
    path = (SQL_DIR / relative).resolve()
    if SQL_DIR not in path.parents or not path.is_file():
        raise FileNotFoundError(f"warehouse SQL file {relative!r} not found under {SQL_DIR}")
    return path


def ddl_files() -> list[str]:
    """Return the DDL files in the order they must run (by their numeric prefix)."""
    return [f"ddl/{path.name}" for path in sorted((SQL_DIR / "ddl").glob("*.sql"))]


def all_sql_files() -> list[str]:
    return [str(path.relative_to(SQL_DIR)) for path in sorted(SQL_DIR.rglob("*.sql"))]


@cache
def statements(relative: str) -> tuple[exp.Expression, ...]:
    """Parse one file into its statements; comments standing after a `;` are dropped."""
    text = sql_path(relative).read_text(encoding="utf-8")
    parsed = sqlglot.parse(text, read=DIALECT)
    return tuple(statement for statement in parsed
                 if isinstance(statement, exp.Expression) and not isinstance(statement, exp.Semicolon))
