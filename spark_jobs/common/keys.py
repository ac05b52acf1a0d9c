"""Surrogate keys of the star schema: stable across runs because they hash the natural key."""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

UNKNOWN_KEY = -1
POSITIVE_MASK = 0x7FFFFFFFFFFFFFFF


def surrogate_key(namespace: str, *natural_key: Column) -> Column:
    """Return a non-negative bigint from xxhash64 of the namespace and natural key (never the unknown key -1).

    NOTE: distinct natural keys can collide with probability about n^2 / 2^64; the star schema job
    checks each dimension's keys for uniqueness and fails on a collision.
    """
    return F.xxhash64(F.lit(namespace), *natural_key).bitwiseAND(F.lit(POSITIVE_MASK))


def date_key(ts: Column) -> Column:
    """Return yyyymmdd as int, or -1 when the timestamp or date is null."""
    return F.coalesce(F.date_format(ts, "yyyyMMdd").cast("int"), F.lit(UNKNOWN_KEY))
