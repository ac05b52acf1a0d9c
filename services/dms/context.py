"""What one replication task run needs: configuration, source DSN and the S3 store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.dms.config import ReplicatorConfig, load_config
from services.dms.source import connect
from services.dms.target import S3Store


@dataclass
class TaskContext:
    """The task's configuration, the source DSN and the store of files and checkpoint."""

    config: ReplicatorConfig
    dsn: str
    store: S3Store

    def connect(self):
        return connect(self.dsn, self.config.database)


def build_context(settings, config: ReplicatorConfig | None = None, config_dir: Path | None = None) -> TaskContext:
    """Build the context from shoplake settings (source DSN, staging bucket) and the task's JSON files."""
    from shoplake import aws

    config = config or load_config(config_dir)
    store = S3Store(aws.client("s3", settings), settings.buckets.staging, config.target, config.slot_name)
    return TaskContext(config=config, dsn=settings.source_dsn(), store=store)
