"""Parser of the text that PostgreSQL's `test_decoding` output plugin emits.

Message shapes (with the options `include-xids` and `include-timestamp`):

    BEGIN 756
    table shop."Odd Name": INSERT: id[bigint]:1 note[text]:'it''s' amount[numeric]:12.50 gone[text]:null
    table shop.orders: UPDATE: old-key: id[bigint]:1 ... new-tuple: id[bigint]:2 ...
    table shop.orders: UPDATE: id[bigint]:1 big[text]:unchanged-toast-datum
    table shop.orders: DELETE: id[bigint]:2 ...
    table shop.orders: TRUNCATE: (no-flags)
    COMMIT 756 (at 2026-12-05 01:45:36.363912+05:45)

Identifiers are quoted as SQL quotes them, with `"` doubled inside. Values of
numeric and boolean types are bare, NULL is the bare word `null`, every other value is a single-quoted
literal with `'` doubled. Old tuples (`old-key:` and DELETE rows) leave out NULL
columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from services.dms.errors import DecodingError

UNCHANGED_TOAST = object()
"""Marker value: the column is TOASTed and the UPDATE did not change it, so its value was not logged."""

_IDENTIFIER = r'(?:"([^"]*(?:""[^"]*)*)"|([^\s"\[.:]+))'
_TABLE = re.compile(r"table " + _IDENTIFIER + r"\." + _IDENTIFIER + r": (INSERT|UPDATE|DELETE|TRUNCATE):")
_COLUMN = re.compile(r'(?:"([^"]*(?:""[^"]*)*)"|([^\s"\[]+))\[(.*?)\]:'
                     r"(?:'([^']*(?:''[^']*)*)'|(\S+))", re.S)
_COMMIT = re.compile(r"COMMIT (\d+)(?: \(at (.+)\))?$")
_OLD_KEY = "old-key:"
_NEW_TUPLE = "new-tuple:"

Tuple = dict[str, tuple[str, object]]
"""Column name to (type name, text value, None for NULL, or UNCHANGED_TOAST), in source column order."""


@dataclass(frozen=True)
class Begin:
    xid: int


@dataclass(frozen=True)
class Commit:
    xid: int
    committed_at: datetime | None


@dataclass(frozen=True)
class Change:
    """One row change; `old` is the old key or old row, when PostgreSQL logged one."""

    schema: str
    table: str
    operation: str
    new: Tuple | None
    old: Tuple | None


@dataclass(frozen=True)
class OtherMessage:
    """A message the replicator does not write (for example `pg_logical_emit_message`)."""

    text: str


def parse_message(text: str) -> Begin | Commit | Change | OtherMessage:
    """Parse one test_decoding message; raise DecodingError for a malformed change."""
    if text.startswith("table "):
        return _parse_change(text)
    if text.startswith("BEGIN "):
        return Begin(int(text[6:]))
    if text.startswith("COMMIT "):
        return _parse_commit(text)
    return OtherMessage(text)


def _parse_commit(text: str) -> Commit:
    match = _COMMIT.match(text)
    if not match:
        raise DecodingError(f"invalid test_decoding COMMIT message {text[:200]!r}")
    committed_at = datetime.fromisoformat(match.group(2)) if match.group(2) else None
    return Commit(int(match.group(1)), committed_at)


def _unquote(quoted: str | None, bare: str | None) -> str:
    return quoted.replace('""', '"') if quoted is not None else bare or ""


def _parse_change(text: str) -> Change:
    match = _TABLE.match(text)
    if not match:
        raise DecodingError(f"invalid test_decoding change message {text[:200]!r}")
    schema = _unquote(match.group(1), match.group(2))
    table = _unquote(match.group(3), match.group(4))
    operation = match.group(5)
    body = text[match.end():].lstrip(" ")

    if operation == "TRUNCATE":
        return Change(schema, table, operation, None, None)
    if body == "(no-tuple-data)":
        return Change(schema, table, operation, None, None)
    if operation == "DELETE":
        return Change(schema, table, operation, None, _parse_tuple(body, text))
    if operation == "UPDATE" and body.startswith(_OLD_KEY):
        old, new = _split_old_new(body, text)
        return Change(schema, table, operation, new, old)
    return Change(schema, table, operation, _parse_tuple(body, text), None)


def _split_old_new(body: str, text: str) -> tuple[Tuple, Tuple]:
    old: Tuple = {}
    position = _parse_columns(body, len(_OLD_KEY), old, text, stop_at=_NEW_TUPLE)
    if not body.startswith(_NEW_TUPLE, position):
        raise DecodingError(f"UPDATE message without new-tuple: {text[:200]!r}")
    new: Tuple = {}
    _parse_columns(body, position + len(_NEW_TUPLE), new, text)
    return old, new


def _parse_tuple(body: str, text: str) -> Tuple:
    columns: Tuple = {}
    _parse_columns(body, 0, columns, text)
    return columns


def _parse_columns(body: str, position: int, into: Tuple, text: str, stop_at: str | None = None) -> int:
    """Parse `name[type]:value` items separated by one space from `position`; return where parsing stopped."""
    length = len(body)
    while position < length:
        if body[position] == " ":
            position += 1
            continue
        if stop_at is not None and body.startswith(stop_at, position):
            return position
        match = _COLUMN.match(body, position)
        if not match:
            raise DecodingError(f"cannot parse column at offset {position} of test_decoding message {text[:200]!r}")
        name = _unquote(match.group(1), match.group(2))
        into[name] = (match.group(3), _value(match.group(4), match.group(5)))
        position = match.end()
    return position


def _value(quoted: str | None, bare: str | None) -> object:
    if quoted is not None:
        return quoted.replace("''", "'")
    if bare == "null":
        return None
    if bare == "unchanged-toast-datum":
        return UNCHANGED_TOAST
    return bare
