"""Fixtures of the replicator's integration tests: a private source database, slot and S3 folder per test."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest
from dms_helpers import write_config
from psycopg2 import sql

from services.dms.config import load_config

SOURCE_DDL = (Path(__file__).resolve().parents[3] / "services" / "dms" / "source_schema.sql").read_text()


@dataclass
class DmsEnvironment:
    """One test's source database, task config folder and S3 location."""

    settings: object
    database: str
    config_dir: Path
    bucket: str
    folder: str

    def config(self):
        return load_config(self.config_dir)

    def connect(self, timezone: str = "UTC"):
        connection = psycopg2.connect(self.settings.source_dsn(), dbname=self.database,
                                      options=f"-c TimeZone={timezone}")
        connection.autocommit = True
        return connection

    def table_prefix(self, table: str) -> str:
        return f"{self.folder}/shop/{table}/"


def _admin(settings):
    connection = psycopg2.connect(settings.source_dsn(), dbname="postgres")
    connection.autocommit = True
    return connection


@pytest.fixture
def dms_env(stack, tmp_path):
    database = f"dms_{uuid.uuid4().hex[:10]}"
    admin = _admin(stack)
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    environment = DmsEnvironment(stack, database, write_config(tmp_path / "config", database, f"dms-it/{database}"),
                                 stack.buckets.staging, f"dms-it/{database}")
    with environment.connect() as connection, connection.cursor() as cursor:
        cursor.execute(SOURCE_DDL)
    yield environment

    with admin.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots "
                       "WHERE slot_name = %s AND active_pid IS NOT NULL", (database,))
        cursor.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s",
                       (database,))
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
    admin.close()
