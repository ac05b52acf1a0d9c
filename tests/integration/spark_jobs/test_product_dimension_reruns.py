"""The SCD type 2 product dimension when an earlier date runs again after a later one.

The catalog drops come from the sample-data generator (seed 42, scale 0.1,
two days): the first day's full files, then the second day's price updates.
Only the jobs that feed dim_product run (catalog_ingest, clean_conform,
star_schema), and each date is then loaded into a private warehouse database,
where the load deletes and inserts dimension rows by surrogate key.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter

import pytest

from tests.integration.spark_jobs.conftest import Lake

pytestmark = [pytest.mark.integration, pytest.mark.spark]

DATES = ["2026-11-02", "2026-11-03"]
JOBS = ["catalog_ingest", "clean_conform", "star_schema"]
SAMPLE_SEED = 42
SAMPLE_SCALE = 0.1
DIM_PRODUCT_QUERY = ("SELECT product_key, product_id, name, category, price, currency, valid_from, valid_to, "
                     "is_current FROM star.dim_product")


@dataclasses.dataclass
class LakeWithWarehouse:
    """A lake's buckets plus a warehouse database that loads from them."""

    lake: Lake
    settings: object
    price_updates: int


def write_generated_catalog(lake: Lake) -> int:
    """Put the generator's catalog drops into the raw zone; return the number of price-update rows."""
    from datetime import date

    from sample_data.catalog import build_catalog
    from sample_data.config import Plan
    from sample_data.universe import build_universe

    plan = Plan(seed=SAMPLE_SEED, scale=SAMPLE_SCALE, start=date.fromisoformat(DATES[0]), days=len(DATES))
    catalog = build_catalog(plan, build_universe(plan))
    for catalog_file in catalog.files:
        lake.put(lake.raw, catalog_file.key, catalog_file.body)
    return sum(len(catalog_file.rows) for catalog_file in catalog.files if catalog_file.dialect == "update")


@pytest.fixture
def target(stack, lake):
    """The test's lake with the generated catalog, and a new warehouse database loading from its buckets."""
    import psycopg2
    from psycopg2 import sql

    from shoplake.settings import Buckets
    from warehouse.ddl import apply_ddl

    database = f"dim_test_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(stack.source_dsn())
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    buckets = Buckets(raw=lake.raw, staging=lake.staging, curated=lake.curated, quarantine=lake.quarantine)
    settings = dataclasses.replace(stack, buckets=buckets, warehouse_db=database)
    apply_ddl(settings)
    yield LakeWithWarehouse(lake, settings, write_generated_catalog(lake))

    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
    admin.close()


def run_date(stack, target: LakeWithWarehouse, logical_date: str) -> None:
    from spark_jobs.runner import run_job
    from warehouse.load import load_date

    for job in JOBS:
        run_job(stack, job, logical_date, target.lake.job_args)
    load_date(target.settings, logical_date)


def delta_dim_product(spark, lake: Lake) -> list[tuple]:
    rows = spark.read.format("delta").load(lake.uri(lake.curated, "star/dim_product")).collect()
    return sorted(tuple(row) for row in rows)


def warehouse_dim_product(target: LakeWithWarehouse) -> list[tuple]:
    import psycopg2

    with psycopg2.connect(target.settings.warehouse_dsn()) as connection, connection.cursor() as cursor:
        cursor.execute(DIM_PRODUCT_QUERY)
        return sorted(cursor.fetchall())


def current_rows_per_product(rows: list[tuple]) -> Counter:
    return Counter(row[1] for row in rows if row[-1])


def test_dim_product_rerun_of_earlier_date(stack, spark, target):
    for logical_date in DATES:
        run_date(stack, target, logical_date)
    expected_delta = delta_dim_product(spark, target.lake)
    expected_warehouse = warehouse_dim_product(target)
    closed_versions = [row for row in expected_warehouse if not row[-1]]
    assert target.price_updates > 0
    assert len(closed_versions) == target.price_updates
    assert max(current_rows_per_product(expected_warehouse).values()) == 1

    run_date(stack, target, DATES[0])
    delta = delta_dim_product(spark, target.lake)
    warehouse = warehouse_dim_product(target)

    assert max(current_rows_per_product(warehouse).values()) == 1
    assert max(current_rows_per_product(delta).values()) == 1
    assert delta == expected_delta
    assert warehouse == expected_warehouse
