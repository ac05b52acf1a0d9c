"""Put raw objects into the raw bucket, replacing what an earlier run left under the same day prefixes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def delete_stale(s3: Any, bucket: str, prefixes: Iterable[str], keep: set[str]) -> int:
    """Delete objects under `prefixes` that this run does not write (ListObjectsV2, DeleteObjects)."""
    stale = []
    paginator = s3.get_paginator("list_objects_v2")
    for prefix in prefixes:
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            stale += [item["Key"] for item in page.get("Contents", []) if item["Key"] not in keep]
    for start in range(0, len(stale), 1000):
        chunk = stale[start:start + 1000]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in chunk], "Quiet": True})
    return len(stale)


def put(s3: Any, bucket: str, key: str, body: bytes, content_type: str) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
