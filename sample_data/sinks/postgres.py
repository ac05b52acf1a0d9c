"""Create the `shop` schema and load it with COPY (psycopg2 `copy_expert`)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

SCHEMA_SQL = Path(__file__).resolve().parent.parent / "sql" / "shop_schema.sql"
TEXT_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
STATE_COMMENT_PREFIX = "shoplake sample data"


def copy_text(value: Any) -> str:
    """Render one value in COPY text format: `\\N` is NULL, so '' and 'None' stay distinct from it."""
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | Decimal | int):
        return str(value)
    return str(value).translate(TEXT_ESCAPES)


def copy_rows(cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY `rows` into `shop.<table>`; identifiers are fixed names of this module, quoted anyway."""
    buffer = io.StringIO()
    count = 0
    for row in rows:
        buffer.write("\t".join(copy_text(value) for value in row))
        buffer.write("\n")
        count += 1
    buffer.seek(0)
    column_list = ", ".join(f'"{column}"' for column in columns)
    cursor.copy_expert(f'COPY "shop"."{table}" ({column_list}) FROM STDIN', buffer)
    return count


def recreate_schema(cursor: Any) -> None:
    cursor.execute(SCHEMA_SQL.read_text())


def write_state_comment(cursor: Any, state: str) -> None:
    """Record which run the schema holds; a comment is not replicated, so CDC never sees it."""
    cursor.execute("COMMENT ON SCHEMA shop IS %s", (state,))


def read_state_comment(cursor: Any) -> str | None:
    cursor.execute("SELECT obj_description('shop'::regnamespace, 'pg_namespace')")
    row = cursor.fetchone()
    return row[0] if row else None
