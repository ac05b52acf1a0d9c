"""Helpers of the replicator's integration tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg2
from psycopg2 import sql

from services.dms.config import CONFIG_DIR
from services.dms.source import SESSION_OPTIONS


def write_config(folder: Path, database: str, bucket_folder: str, **s3_settings) -> Path:
    """Copy the checked-in task config with this test's database, slot and bucket folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in CONFIG_DIR.glob("*.json"):
        shutil.copy(path, folder / path.name)
    source = json.loads((folder / "source-endpoint.json").read_text())
    source["DatabaseName"] = database
    source["PostgreSQLSettings"]["SlotName"] = database
    (folder / "source-endpoint.json").write_text(json.dumps(source))
    target = json.loads((folder / "target-endpoint.json").read_text())
    target["S3Settings"].update({"BucketFolder": bucket_folder, "CdcMaxBatchInterval": 1, **s3_settings})
    (folder / "target-endpoint.json").write_text(json.dumps(target))
    return folder


def source_rows(environment, table: str, key: list[str]) -> list[tuple]:
    """Read a source table with psycopg2's own type conversion (independent of the replicator's)."""
    connection = psycopg2.connect(environment.settings.source_dsn(), dbname=environment.database,
                                  options=SESSION_OPTIONS)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("SELECT * FROM {} ORDER BY {}").format(
                sql.Identifier("shop", table), sql.SQL(", ").join(sql.Identifier(name) for name in key)))
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        connection.close()
