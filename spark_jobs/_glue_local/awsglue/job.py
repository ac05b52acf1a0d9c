"""`Job`: init and commit, with bookmarks stored as JSON in the curated bucket."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from awsglue.context import GlueContext
from shoplake.settings import get_settings

BOOKMARK_PREFIX = "_glue/bookmarks"


class Job:
    """Track one job run; `commit` records it in the job's bookmark document."""

    def __init__(self, glue_context: GlueContext) -> None:
        self._glue_context = glue_context
        self._name: str | None = None
        self._args: dict[str, str] = {}
        self._run_id = f"jr_local_{uuid.uuid4().hex}"
        self._started_at = ""

    @classmethod
    def continuation_enabled(cls, args: dict[str, str]) -> bool:
        return args.get("job-bookmark-option", "job-bookmark-disable") == "job-bookmark-enable"

    def init(self, job_name: str, args: dict[str, str] | None = None) -> None:
        self._name = job_name
        self._args = dict(args or {})
        self._started_at = datetime.now(UTC).isoformat()

    def commit(self) -> None:
        """Record the run as committed under its logical date (a no-op when bookmarks are disabled)."""
        if self._name is None:
            raise RuntimeError("Job.commit() called before Job.init(job_name, args)")
        if self._args.get("job-bookmark-option") == "job-bookmark-disable":
            return

        bookmark = self.read_bookmark()
        run = {
            "run_id": self._run_id,
            "started_at": self._started_at,
            "committed_at": datetime.now(UTC).isoformat(),
            "arguments": {key: value for key, value in self._args.items() if key != "JOB_NAME"},
        }
        logical_date = self._args.get("logical_date", "undated")
        bookmark["job_name"] = self._name
        bookmark.setdefault("runs", {})[logical_date] = run
        bookmark["last_committed_run"] = run | {"logical_date": logical_date}
        self._write_text(self.bookmark_uri(), json.dumps(bookmark, indent=2, sort_keys=True))

    def bookmark_uri(self) -> str:
        return f"s3://{get_settings().buckets.curated}/{BOOKMARK_PREFIX}/{self._name}.json"

    def read_bookmark(self) -> dict[str, Any]:
        """Return the job's bookmark document, or an empty one before the first commit."""
        path, fs = self._filesystem(self.bookmark_uri())
        if not fs.exists(path):
            return {}
        stream = fs.open(path)
        try:
            jvm = self._glue_context.spark_session.sparkContext._jvm
            text = jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
        finally:
            stream.close()
        return json.loads(text)

    def _write_text(self, uri: str, text: str) -> None:
        path, fs = self._filesystem(uri)
        stream = fs.create(path, True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()

    def _filesystem(self, uri: str) -> tuple[Any, Any]:
        spark = self._glue_context.spark_session
        jvm = spark.sparkContext._jvm
        path = jvm.org.apache.hadoop.fs.Path(uri)
        return path, path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
