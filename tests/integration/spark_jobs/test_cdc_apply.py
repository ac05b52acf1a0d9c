"""cdc_apply on DMS-format files: ordering per key, soft deletes, idempotent re-runs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pyarrow as pa
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.spark]

ORDER_COLUMNS = [("order_id", pa.int64()), ("status", pa.string()), ("total_amount", pa.decimal128(12, 2))]


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def dms_table(rows: list[tuple], with_op: bool) -> pa.Table:
    fields = ([("Op", pa.string())] if with_op else []) + [("dms_commit_ts", pa.timestamp("us"))] + ORDER_COLUMNS
    columns = list(zip(*rows, strict=True))
    return pa.table({name: pa.array(values, type=kind) for (name, kind), values in zip(fields, columns, strict=True)})


FULL_LOAD = [(ts("2024-03-01 09:00:00"), 1002, "NEW", Decimal("40.00")),
             (ts("2024-03-01 09:00:00"), 1003, "PAID", Decimal("12.00"))]
F09_CHANGES = [
    ("I", ts("2024-03-01 10:00:00.000001"), 1001, "NEW", Decimal("25.00")),
    ("U", ts("2024-03-01 10:00:05.000002"), 1001, "PAID", Decimal("25.00")),
    ("D", ts("2024-03-01 10:00:09.000003"), 1001, "PAID", Decimal("25.00")),
    ("D", ts("2024-03-01 10:01:00.000001"), 1002, "NEW", Decimal("40.00")),
    ("I", ts("2024-03-01 10:01:02.000001"), 1002, "NEW", Decimal("41.50")),
    ("U", ts("2024-03-01 10:02:00.000001"), 1003, "SHIPPED", Decimal("12.00")),
]


def current_orders(spark, lake) -> dict[int, tuple]:
    rows = spark.read.format("delta").load(lake.uri(lake.curated, "cdc/orders")).collect()
    return {row["order_id"]: (row["status"], row["total_amount"], row["is_deleted"]) for row in rows}


def put_orders(lake, name: str, rows: list[tuple], with_op: bool = True) -> None:
    lake.put_parquet(lake.staging, f"dms/shop/orders/{name}", dms_table(rows, with_op))


def test_f09_several_changes_per_key(spark, lake, run_glue_job):
    put_orders(lake, "LOAD00000001.parquet", FULL_LOAD, with_op=False)
    put_orders(lake, "20240301-100000000.parquet", F09_CHANGES)

    report = run_glue_job("cdc_apply", "2024-03-01", tables="orders")

    state = current_orders(spark, lake)
    assert state[1001][2] is True
    assert state[1002] == ("NEW", Decimal("41.50"), False)
    assert state[1003] == ("SHIPPED", Decimal("12.00"), False)
    counts = report["inputs"]["dms/orders"]
    assert (counts["rows_in"], counts["rows_out"], counts["superseded"], counts["quarantined"]) == (8, 3, 5, 0)


def test_cdc_order_ties_and_later_files(spark, lake, run_glue_job):
    same_time = ts("2024-03-02 08:00:00")
    put_orders(lake, "20240302-080000000.parquet", [
        ("I", same_time, 2001, "NEW", Decimal("5.00")),
        ("U", same_time, 2001, "PAID", Decimal("5.00")),
    ])
    run_glue_job("cdc_apply", "2024-03-02", tables="orders")
    assert current_orders(spark, lake)[2001] == ("PAID", Decimal("5.00"), False)

    put_orders(lake, "20240303-080000000.parquet", [("U", ts("2024-03-03 08:00:00"), 2001, "SHIPPED", Decimal("5.00"))])
    run_glue_job("cdc_apply", "2024-03-03", tables="orders")
    assert current_orders(spark, lake)[2001] == ("SHIPPED", Decimal("5.00"), False)

    # A re-run of the earlier date re-applies its own file, which is older than the stored row.
    report = run_glue_job("cdc_apply", "2024-03-02", tables="orders")
    assert current_orders(spark, lake)[2001] == ("SHIPPED", Decimal("5.00"), False)
    assert report["inputs"]["dms/orders"]["rows_in"] == 2


def test_cdc_rerun_same_content_and_quarantine(spark, lake, run_glue_job):
    from spark_jobs.common.delta import content_checksum

    put_orders(lake, "LOAD00000001.parquet", FULL_LOAD, with_op=False)
    put_orders(lake, "20240301-100000000.parquet", F09_CHANGES + [("X", ts("2024-03-01 11:00:00"), 1004, "NEW", Decimal("1.00")),
                                                                  ("I", ts("2024-03-01 11:00:00"), None, "NEW", Decimal("1.00"))])

    first = run_glue_job("cdc_apply", "2024-03-01", tables="orders")
    checksum = content_checksum(spark.read.format("delta").load(lake.uri(lake.curated, "cdc/orders")))
    second = run_glue_job("cdc_apply", "2024-03-01", tables="orders")

    assert content_checksum(spark.read.format("delta").load(lake.uri(lake.curated, "cdc/orders"))) == checksum
    assert first["inputs"] == second["inputs"]
    reasons = sorted(record["reason"] for record in lake.quarantine_records("cdc", "2024-03-01", "cdc_apply-orders"))
    assert reasons == ["invalid_change", "missing_key"]
    assert first["inputs"]["dms/orders"]["quarantined"] == 2
