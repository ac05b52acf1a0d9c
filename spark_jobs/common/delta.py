"""Delta Lake writes that keep every job idempotent for its logical date."""

from __future__ import annotations

import hashlib

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F


def table_exists(spark: SparkSession, path: str) -> bool:
    from delta.tables import DeltaTable

    return DeltaTable.isDeltaTable(spark, path)


def replace_partition(df: DataFrame, path: str, partition_column: str, value: str) -> None:
    """Overwrite only the rows where `partition_column = value` (Delta replaceWhere); create the table if needed."""
    predicate = f"{partition_column} = '{value}'"
    bad = df.filter(~(F.col(partition_column) == F.lit(value)) | F.col(partition_column).isNull()).limit(1).count()
    if bad:
        raise ValueError(f"rows outside {predicate} would be written to {path}; filter them before replacing")
    (df.write.format("delta").mode("overwrite").option("replaceWhere", predicate)
        .partitionBy(partition_column).save(path))


def overwrite_table(df: DataFrame, path: str) -> None:
    """Replace the whole table (snapshots such as current-state entities and dimensions)."""
    df.write.format("delta").mode("overwrite").option("overwriteSchema", "true").save(path)


def read_delta(spark: SparkSession, path: str) -> DataFrame | None:
    return spark.read.format("delta").load(path) if table_exists(spark, path) else None


def content_checksum(df: DataFrame) -> str:
    """Return a SHA-256 over the rows' JSON, sorted, so equal content gives an equal checksum in any order."""
    rows = df.select(F.to_json(F.struct(*[F.col(name) for name in sorted(df.columns)])).alias("j")).collect()
    digest = hashlib.sha256()
    for line in sorted(row["j"] for row in rows):
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()
