"""Source tables: which ones the selection rules pick, and their columns, keys and replica identity."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from services.dms.config import SelectionRule
from services.dms.errors import SourceTableError
from services.dms.values import ColumnType, column_type

log = logging.getLogger(__name__)

TABLES_SQL = """
SELECT n.nspname, c.relname, c.relreplident
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_%%'
ORDER BY 1, 2
"""

COLUMNS_SQL = """
SELECT a.attname, format_type(a.atttypid, NULL), a.atttypmod,
       coalesce(array_position(string_to_array(i.indkey::text, ' ')::int2[], a.attnum), 0)
FROM pg_attribute a
LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""


@dataclass(frozen=True)
class Column:
    """One source column and the Parquet type it is written as."""

    name: str
    type: ColumnType


@dataclass(frozen=True)
class SourceTable:
    """A selected source table: columns in source order, primary-key columns in key order."""

    schema: str
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    replica_identity: str

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


def like_to_regex(pattern: str) -> re.Pattern[str]:
    """Translate a DMS object-locator pattern (`%` any run, `_` one character) to a regex."""
    wildcards = {"_": ".", "%": ".*"}
    parts = [wildcards.get(char) or re.escape(char) for char in pattern]
    return re.compile("^" + "".join(parts) + "$")


def is_selected(rules: tuple[SelectionRule, ...], schema: str, table: str) -> bool:
    """Apply DMS selection semantics: included by some rule and excluded by none."""
    def matches(rule: SelectionRule) -> bool:
        return bool(like_to_regex(rule.schema_pattern).match(schema) and like_to_regex(rule.table_pattern).match(table))

    included = any(rule.action == "include" and matches(rule) for rule in rules)
    excluded = any(rule.action == "exclude" and matches(rule) for rule in rules)
    return included and not excluded


def selected_tables(cursor, rules: tuple[SelectionRule, ...]) -> list[SourceTable]:
    """Return the selected tables with their metadata; raise for a selected table without a primary key."""
    cursor.execute(TABLES_SQL)
    names = [(schema, table, identity) for schema, table, identity in cursor.fetchall()
             if is_selected(rules, schema, table)]
    tables = [describe_table(cursor, schema, table, identity) for schema, table, identity in names]
    for table in tables:
        _check_replicable(table)
    return tables


def describe_table(cursor, schema: str, table: str, identity: str | None = None) -> SourceTable:
    """Read one table's columns, primary key and replica identity from the catalog."""
    from psycopg2 import sql

    regclass = sql.Identifier(schema, table).as_string(cursor.connection)
    if identity is None:
        cursor.execute("SELECT relreplident FROM pg_class WHERE oid = %s::regclass", (regclass,))
        identity = cursor.fetchone()[0]
    cursor.execute(COLUMNS_SQL, (regclass,))
    rows = cursor.fetchall()
    if not rows:
        raise SourceTableError(f"source table {schema}.{table} not found or has no columns")

    columns = tuple(Column(name, column_type(type_name, typmod)) for name, type_name, typmod, _ in rows)
    key = tuple(name for name, _, _, position in sorted(rows, key=lambda row: row[3]) if position > 0)
    identities = {"d": "default", "f": "full", "i": "index", "n": "nothing"}
    return SourceTable(schema, table, columns, key, identities.get(identity, identity))


def _check_replicable(table: SourceTable) -> None:
    if not table.key:
        raise SourceTableError(
            f"source table {table.qualified} has no primary key, so its CDC rows cannot be matched to "
            f"current rows; add one (ALTER TABLE {table.qualified} ADD PRIMARY KEY (...)) or exclude the "
            "table with a selection rule in table-mappings.json")
    if table.replica_identity != "full":
        log.warning("table %s has REPLICA IDENTITY %s: delete rows will carry only the key columns, and an "
                    "update that leaves a TOASTed value unchanged will stop CDC; run "
                    "ALTER TABLE %s REPLICA IDENTITY FULL", table.qualified, table.replica_identity.upper(),
                    table.qualified)
