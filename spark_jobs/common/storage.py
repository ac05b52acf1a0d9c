"""Small-object reads and writes through Hadoop's FileSystem, so `s3://` works on Glue and locally."""

from __future__ import annotations

from typing import Any

from pyspark.sql import SparkSession


def _filesystem(spark: SparkSession, uri: str) -> tuple[Any, Any]:
    jvm: Any = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    return path, path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())


def write_bytes(spark: SparkSession, uri: str, data: bytes) -> None:
    """Create or replace the object at `uri`."""
    path, fs = _filesystem(spark, uri)
    stream = fs.create(path, True)
    try:
        stream.write(bytearray(data))
    finally:
        stream.close()


def write_text(spark: SparkSession, uri: str, text: str) -> None:
    write_bytes(spark, uri, text.encode("utf-8"))


def read_text(spark: SparkSession, uri: str) -> str | None:
    """Return the object's text, or None when it does not exist."""
    path, fs = _filesystem(spark, uri)
    if not fs.exists(path):
        return None
    stream = fs.open(path)
    try:
        jvm: Any = spark.sparkContext._jvm
        return jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
    finally:
        stream.close()


def delete(spark: SparkSession, uri: str) -> None:
    path, fs = _filesystem(spark, uri)
    if fs.exists(path):
        fs.delete(path, True)


def list_files(spark: SparkSession, prefix_uri: str, suffixes: tuple[str, ...] = ()) -> list[str]:
    """Return the URIs of the files directly under `prefix_uri` (sorted), optionally by name suffix."""
    path, fs = _filesystem(spark, prefix_uri)
    if not fs.exists(path):
        return []
    uris = []
    for status in fs.listStatus(path):
        if status.isDirectory():
            continue
        uri = prefix_uri.rstrip("/") + "/" + status.getPath().getName()
        if not suffixes or uri.endswith(suffixes):
            uris.append(uri)
    return sorted(uris)
