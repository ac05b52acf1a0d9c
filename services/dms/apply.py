"""Reference merge of DMS files into a table's current state (pure Python, for tests and checks).

Ordering rule: full-load rows come first; CDC rows follow, ordered by
`dms_commit_ts`, then by CDC file name, then by row number inside the file; the
last row of each key wins, and a `D` row removes the key. Full-load rows go first
whatever their timestamp, because their timestamp column holds the load time, not
a commit time. Rows repeated by a replicator restart are identical copies in a
later file, so this order still ends on each key's true last change.
"""

from __future__ import annotations

import io
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FILE_FIELD = "_dms_file"
ROW_FIELD = "_dms_row"
OP_FIELD = "Op"


def apply_changes(full_load_rows: Iterable[Mapping[str, Any]], cdc_rows: Iterable[Mapping[str, Any]],
                  keys: Sequence[str], timestamp_column: str = "dms_commit_ts",
                  soft_delete: bool = False) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Return the current rows by key tuple after applying full-load then CDC rows.

    CDC rows need `Op` and the timestamp column; `_dms_file` and `_dms_row` give the
    file name and row number (without them, input order breaks ties). With
    `soft_delete`, deleted keys stay with `is_deleted = True` instead of being removed.
    The returned rows keep the table's columns only (no Op, timestamp or file fields).
    """
    state: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in full_load_rows:
        state[_key(row, keys)] = _table_columns(row, timestamp_column)

    indexed = list(enumerate(cdc_rows))
    indexed.sort(key=lambda item: (item[1][timestamp_column], item[1].get(FILE_FIELD, ""),
                                   item[1].get(ROW_FIELD, item[0])))
    for _, row in indexed:
        key = _key(row, keys)
        operation = row[OP_FIELD]
        if operation in ("I", "U"):
            state[key] = _table_columns(row, timestamp_column)
        elif operation == "D":
            if soft_delete:
                state[key] = {**_table_columns(row, timestamp_column), "is_deleted": True}
            else:
                state.pop(key, None)
        else:
            raise ValueError(f"invalid Op {operation!r} in CDC row with key {key}; expected I, U or D")
    if soft_delete:
        for row in state.values():
            row.setdefault("is_deleted", False)
    return state


def _key(row: Mapping[str, Any], keys: Sequence[str]) -> tuple[Any, ...]:
    return tuple(row[name] for name in keys)


def _table_columns(row: Mapping[str, Any], timestamp_column: str) -> dict[str, Any]:
    skip = {OP_FIELD, timestamp_column, FILE_FIELD, ROW_FIELD}
    return {name: value for name, value in row.items() if name not in skip}


def is_full_load_key(key: str) -> bool:
    """Return whether an object key is a full-load file (`LOAD` + 8 hexadecimal digits)."""
    return posixpath.basename(key).startswith("LOAD")


def read_table_files(client: Any, bucket: str, prefix: str) -> tuple[list[dict], list[dict]]:
    """Read every Parquet file under one table prefix; return (full-load rows, CDC rows with file and row).

    Uses S3 `ListObjectsV2` and `GetObject`. CDC rows get `_dms_file` (the file name
    without folders and suffix) and `_dms_row` (0-based row number).
    """
    import pyarrow.parquet as pq

    full_load, cdc = [], []
    paginator = client.get_paginator("list_objects_v2")
    keys = [item["Key"] for page in paginator.paginate(Bucket=bucket, Prefix=prefix)
            for item in page.get("Contents", [])]
    for key in sorted(keys):
        if not key.endswith(".parquet"):
            continue
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        rows = pq.read_table(io.BytesIO(body)).to_pylist()
        if is_full_load_key(key):
            full_load.extend(rows)
            continue
        name = posixpath.basename(key).split(".", 1)[0]
        for number, row in enumerate(rows):
            row[FILE_FIELD] = name
            row[ROW_FIELD] = number
            cdc.append(row)
    return full_load, cdc
