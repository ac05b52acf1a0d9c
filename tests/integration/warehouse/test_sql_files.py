"""Every .sql file under warehouse/sql runs on the PostgreSQL stand-in, after translation."""

from __future__ import annotations

from datetime import date

import pytest

from warehouse.runner import COPY_TEMPLATE, open_runner
from warehouse.sqlfiles import all_sql_files

pytestmark = pytest.mark.integration

DAY = date(2024, 5, 1)
PARAMETERS = {
    "load/40_merge_star.sql": {"logical_date": DAY.isoformat()},
    "load/50_record_audit.sql": {"logical_date": DAY.isoformat(), "table_name": "star.dim_date",
                                 "source_uri": "s3://example/extracts/dim_date/dt=2024-05-01/",
                                 "rows_read": 1, "rows_loaded": 1, "rows_rejected": 0},
    "audit/load_balance.sql": {"logical_date": DAY.isoformat()},
}


@pytest.mark.parametrize("relative", [name for name in all_sql_files() if name != COPY_TEMPLATE])
def test_sql_file_runs_on_stand_in(kit, relative):
    with open_runner(kit.settings) as runner:
        runner.run_file(relative, PARAMETERS.get(relative))


def test_copy_template_runs_on_stand_in(kit):
    kit.write_extract("dim_date", DAY, kit.sample_extracts(DAY)["dim_date"])
    source = f"s3://{kit.settings.buckets.curated}/extracts/dim_date/dt={DAY.isoformat()}/"

    with open_runner(kit.settings) as runner:
        runner.run_file("load/10_truncate_staging.sql")
        runner.copy("stg", "dim_date", source, "arn:aws:iam::123456789012:role/ignored-locally")

    assert kit.query("SELECT date_key, month_name FROM stg.dim_date") == [(20240501, "May")]


def test_stand_in_declares_no_key_constraints(kit):
    constraints = kit.query(
        "SELECT table_schema, table_name, constraint_type FROM information_schema.table_constraints "
        "WHERE table_schema IN ('stg', 'star', 'mart', 'audit') AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')")

    assert constraints == []


def test_staging_tables_are_unlogged(kit):
    persistence = kit.query("SELECT DISTINCT c.relpersistence FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                            "WHERE n.nspname = 'stg' AND c.relkind = 'r'")

    assert persistence == [("u",)]


def test_apply_ddl_twice_changes_nothing(kit):
    from warehouse.ddl import apply_ddl

    before = kit.checksums()
    apply_ddl(kit.settings)

    assert kit.checksums() == before


def test_parallel_copy_loads_every_object(kit, monkeypatch):
    monkeypatch.setattr("warehouse.copy_emulation.MIN_BYTES_PER_STREAM", 1)
    monkeypatch.setattr("warehouse.copy_emulation.os.cpu_count", lambda: 4)
    day = date(2024, 5, 2)
    lines = kit.sample_extracts(day, customers=8)["fact_product_sales"]
    kit.write_extract("fact_product_sales", day, lines, parts=4)
    source = f"s3://{kit.settings.buckets.curated}/extracts/fact_product_sales/dt={day.isoformat()}/"

    with open_runner(kit.settings) as runner:
        runner.run_file("load/10_truncate_staging.sql")
        runner.copy("stg", "fact_product_sales", source, None)

    assert kit.query("SELECT COUNT(*), COUNT(DISTINCT (order_id, line_no)) FROM stg.fact_product_sales") == [(16, 16)]


def test_parallel_copy_loads_nothing_when_one_object_fails(kit, monkeypatch):
    import boto3

    from warehouse.errors import SqlExecutionError

    monkeypatch.setattr("warehouse.copy_emulation.MIN_BYTES_PER_STREAM", 1)
    monkeypatch.setattr("warehouse.copy_emulation.os.cpu_count", lambda: 4)
    day = date(2024, 5, 3)
    kit.write_extract("fact_product_sales", day, kit.sample_extracts(day, customers=8)["fact_product_sales"], parts=3)
    prefix = f"extracts/fact_product_sales/dt={day.isoformat()}/"
    boto3.client("s3").put_object(Bucket=kit.settings.buckets.curated, Key=f"{prefix}part-zzz.parquet", Body=b"not parquet")

    with open_runner(kit.settings) as runner:
        runner.run_file("load/10_truncate_staging.sql")
        with pytest.raises(SqlExecutionError, match="not a Parquet file"):
            runner.copy("stg", "fact_product_sales", f"s3://{kit.settings.buckets.curated}/{prefix}", None)

    assert kit.query("SELECT COUNT(*) FROM stg.fact_product_sales") == [(0,)]
