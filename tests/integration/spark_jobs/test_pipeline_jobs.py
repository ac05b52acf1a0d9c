"""The five jobs in order on a small lake that follows docs/contracts.md, run twice for one date."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pyarrow as pa
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.spark]

DT = "2026-11-02"
JOBS = ["cdc_apply", "catalog_ingest", "clean_conform", "customer_360", "star_schema"]
LOADED = datetime(2026, 11, 1, 0, 0)
CURATED_TABLES = ["cdc/orders", "cdc/payments", "clean/customers", "clean/orders", "clean/products", "clean/page_events",
                  "clean/sessions", "clean/campaign_events", "views/customer_360", "star/dim_product", "star/dim_customer",
                  "star/dim_campaign", "star/fact_network_traffic", "star/fact_transactions", "star/fact_product_sales",
                  "star/fact_campaign_interactions"]
EXTRACTS = ["dim_date", "dim_product", "dim_customer", "dim_campaign", "fact_network_traffic", "fact_transactions",
            "fact_product_sales", "fact_campaign_interactions"]


def full_load(columns: dict[str, tuple[pa.DataType, list]]) -> pa.Table:
    rows = len(next(iter(columns.values()))[1])
    arrays = {"dms_commit_ts": pa.array([LOADED] * rows, pa.timestamp("us"))}
    arrays |= {name: pa.array(values, kind) for name, (kind, values) in columns.items()}
    return pa.table(arrays)


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def seed_source_tables(lake) -> None:
    money, text, big = pa.decimal128(12, 2), pa.string(), pa.int64()
    stamp = pa.timestamp("us", tz="UTC")
    tables = {
        "customers": {"customer_id": (big, [1, 2, 3]),
                      "email": (text, ["alice@mail.example", "bob@mail.example", " ALICE@MAIL.EXAMPLE"]),
                      "first_name": (text, ["Alice", "Bob", "Alice"]), "last_name": (text, ["Archer", "Baker", "Archer"]),
                      "country": (text, ["us", None, "US"]), "city": (text, ["Boston", "Leeds", "Boston"]),
                      "signup_at": (stamp, [ts("2025-01-01T00:00:00+00:00"), ts("2025-02-01T00:00:00+00:00"),
                                            ts("2025-03-01T00:00:00+00:00")]),
                      "updated_at": (stamp, [ts("2025-01-01T00:00:00+00:00")] * 3)},
        "campaigns": {"campaign_id": (text, ["C-001"]), "name": (text, ["Autumn  sale"]), "channel": (text, ["Email"]),
                      "start_date": (pa.date32(), [datetime(2026, 10, 30).date()]),
                      "end_date": (pa.date32(), [datetime(2026, 11, 13).date()]),
                      "budget": (money, [Decimal("1000.00")]), "currency": (text, ["usd"])},
        "orders": {"order_id": (big, [10, 11, 12]), "customer_id": (big, [1, 3, 2]),
                   "order_ts": (stamp, [ts("2026-11-02T10:30:00+00:00"), ts("2026-11-02T12:00:00+00:00"),
                                        ts("2026-11-02T23:59:59+00:00")]),
                   "status": (text, ["PAID", "paid", "CANCELLED"]), "currency": (text, ["USD", "EUR", "USD"]),
                   "total_amount": (money, [Decimal("100.00"), Decimal("50.00"), Decimal("20.00")]),
                   "campaign_id": (text, ["C-001", None, None]),
                   "updated_at": (stamp, [ts("2026-11-02T10:30:00+00:00")] * 3)},
        "order_lines": {"order_id": (big, [10, 10, 11, 12]), "line_no": (pa.int32(), [1, 2, 1, 1]),
                        "product_id": (text, ["P-001", "P-002", "P-001", "P-404"]),
                        "quantity": (pa.int32(), [1, 2, 1, 1]),
                        "unit_price": (money, [Decimal("60.00"), Decimal("20.00"), Decimal("50.00"), Decimal("20.00")])},
        "payments": {"payment_id": (big, [100, 101, 102]), "order_id": (big, [10, 11, 12]),
                     "paid_at": (stamp, [ts("2026-11-02T10:31:00+00:00"), ts("2026-11-02T12:01:00+00:00"),
                                         ts("2026-11-02T23:59:59+00:00")]),
                     "amount": (money, [Decimal("100.00"), Decimal("50.00"), Decimal("20.00")]),
                     "currency": (text, ["USD", "EUR", "USD"]), "method": (text, ["Card", "card", "paypal"]),
                     "status": (text, ["CAPTURED", "CAPTURED", "FAILED"]), "coupon_code": (text, [None, "", "None"])},
    }
    for table, columns in tables.items():
        lake.put_parquet(lake.staging, f"dms/shop/{table}/LOAD00000001.parquet", full_load(columns))


def access_record(record_id: str, when: str, path: str, user_id: int | None, event_type: str, status: int = 200,
                  campaign_id: str | None = None) -> dict:
    return {"record_id": record_id, "source_key": "access_logs/dt=2026-11-02/hour=10/web-nginx-01.access.log-2026110210.gz",
            "line_number": int(record_id[1:]), "ts": when, "dt": DT, "ts_local": when, "utc_offset": "+00:00",
            "client_ip_hash": "ab" * 32, "ip_version": 4, "ip_flag": None, "user_id": user_id, "method": "GET",
            "path": path, "query": None, "protocol": "HTTP/1.1", "status": status, "status_flag": None, "bytes": 512,
            "referrer": "https://search.example/q", "user_agent": "Mozilla/5.0 (Windows NT 10.0) Chrome/120.0",
            "device_class": "desktop", "is_bot": False, "event_type": event_type, "product_id": None,
            "campaign_id": campaign_id, "utm_source": None, "utm_medium": None, "truncated": False, "original_length": None}


def seed_streams(lake) -> None:
    records = [
        access_record("r1", "2026-11-02T10:00:00Z", "/", 1, "page_view"),
        access_record("r2", "2026-11-02T10:10:00Z", "/click", 1, "click", status=302, campaign_id="C-001"),
        access_record("r3", "2026-11-02T10:20:00Z", "/products/P-001", 1, "page_view"),
        access_record("r4", "2026-11-02T11:00:01Z", "/products/P-002", 1, "page_view"),  # 40 min later: new session
        access_record("r5", "2026-11-02T11:05:00Z", "/missing", None, "page_view", status=404),
    ]
    lake.put_jsonl_gz(lake.staging, f"access_logs/dt={DT}/shoplake-access-logs-1-2026-11-02-10-00-00-a.gz", records)
    lake.put_jsonl_gz(lake.staging, f"access_logs/dt={DT}/shoplake-access-logs-1-2026-11-02-10-05-00-b.gz", records[:1])

    def event(event_id, event_type, when, customer_id=1, sequence="100", campaign="C-001"):
        return json.dumps({"event_id": event_id, "campaign_id": campaign, "customer_id": customer_id,
                           "event_type": event_type, "channel": "email", "ts": when, "kinesis_sequence_number": sequence,
                           "kinesis_shard_id": "shardId-000000000000", "approximate_arrival_ts": when})
    lines = [event("e1", "sent", "2026-11-02T09:00:00Z", sequence="101"),
             event("e2", " OPEN", "2026-11-02T11:00:00+02:00", sequence="102"),
             event("e3", "click", 1793610000000, customer_id="3", sequence="103"),  # 2026-11-02T09:00:00Z
             event("e3", "click", 1793610000000, customer_id="3", sequence="1031"),
             event("e4", "open", "2026-11-02T09:30:00Z", sequence="104", campaign="C-999"),
             '{"event_id":"e5","campaign_id":"C-0']
    lake.put(lake.staging, f"campaign_events/dt={DT}/shardId-000000000000-101-105.jsonl", ("\n".join(lines) + "\n").encode())


def seed_catalog(lake) -> None:
    lake.put(lake.raw, f"catalog/dt={DT}/products_web.csv",
             b"sku,name,description,category,price,currency,updated_at\n"
             b"P-001,Trail Shoe,Light,shoes,60.00,USD,2026-10-01T00:00:00Z\n"
             b"P-001,Trail  Shoe,Light, SHOES ,60.00,USD,2026-10-01T00:00:00Z\n"
             b"P-002,Rain Jacket,Dry,Apparel,20.00,,2026-10-01T00:00:00Z\n"
             b"P-003,Tent,Roomy,Outdoor,N/A,USD,2026-10-01T00:00:00Z\n")
    lake.put(lake.raw, "catalog/dt=2026-11-03/price_updates.csv",
             b"sku,name,description,category,price,currency,updated_at\nP-001,Trail Shoe,Light,Shoes,65.00,USD,2026-11-03T06:00:00Z\n")


def run_all(run_glue_job) -> dict[str, dict]:
    return {job: run_glue_job(job, DT) for job in JOBS}


def checksums(spark, lake) -> dict[str, str]:
    from spark_jobs.common.delta import content_checksum

    figures = {table: content_checksum(spark.read.format("delta").load(lake.uri(lake.curated, table))) for table in CURATED_TABLES}
    for table in EXTRACTS:
        figures[f"extract/{table}"] = content_checksum(spark.read.parquet(lake.uri(lake.curated, f"extracts/{table}/dt={DT}")))
    return figures


@pytest.fixture
def seeded_lake(lake):
    seed_source_tables(lake)
    seed_streams(lake)
    seed_catalog(lake)
    return lake


def test_jobs_build_star_and_rerun_is_identical(spark, seeded_lake, run_glue_job):
    lake = seeded_lake
    reports = run_all(run_glue_job)
    first = checksums(spark, lake)
    star = lambda table: spark.read.parquet(lake.uri(lake.curated, f"extracts/{table}/dt={DT}"))  # noqa: E731

    clean = reports["clean_conform"]["inputs"]
    assert clean["cdc/customers"]["duplicates_removed"] == 1
    assert clean["staging/access_logs"]["duplicates_removed"] == 1
    assert clean["staging/campaign_events"] == {"rows_in": 6, "rows_out": 3, "quarantined": 2, "duplicates_removed": 1,
                                                "superseded": 0, "soft_deleted": 0}
    assert clean["staging/catalog"]["duplicates_removed"] == 1
    assert reports["catalog_ingest"]["inputs"]["catalog_csv"]["quarantined"] == 1

    customers = {row["customer_id"]: row for row in star("dim_customer").collect()}
    assert set(customers) == {None, 1, 2}
    assert customers[None]["customer_key"] == -1
    assert customers[2]["country"] == "ZZ"
    assert len(customers[1]["email_hash"]) == 64
    assert "alice" not in json.dumps([row.asDict() for row in star("dim_customer").collect()], default=str)

    traffic = star("fact_network_traffic").collect()
    assert len(traffic) == 3
    human_user = [row for row in traffic if row["customer_key"] == customers[1]["customer_key"]]
    assert sorted((row["page_views"], row["click_events"]) for row in human_user) == [(1, 0), (2, 1)]
    anonymous = [row for row in traffic if row["customer_key"] == -1]
    assert anonymous[0]["errors_4xx"] == 1
    assert anonymous[0]["page_views"] == 0

    sales = {(row["order_id"], row["line_no"]): row for row in star("fact_product_sales").collect()}
    assert len(sales) == 4
    assert sales[(12, 1)]["product_key"] == -1
    assert sales[(11, 1)]["line_amount_usd"] == Decimal("54.00")
    assert sales[(11, 1)]["customer_key"] == customers[1]["customer_key"]

    payments = {row["payment_id"]: row for row in star("fact_transactions").collect()}
    assert [payments[key]["coupon_code"] for key in (100, 101, 102)] == [None, "", "None"]
    assert payments[101]["amount_usd"] == Decimal("54.00")
    interactions = star("fact_campaign_interactions").collect()
    assert sorted(row["event_type"] for row in interactions) == ["click", "open", "sent"]

    view = {row["customer_id"]: row for row in spark.read.format("delta").load(lake.uri(lake.curated, "views/customer_360")).collect()}
    assert view[1]["orders"] == 2
    assert view[1]["revenue_usd"] == Decimal("154.00")
    assert view[1]["attributed_revenue_usd"] == Decimal("154.00")
    assert view[1]["campaign_click_throughs"] == 1
    assert view[2]["segment"] != "prospect"

    products = star("dim_product").collect()
    assert len([row for row in products if row["product_id"] == "P-001"]) == 1

    run_all(run_glue_job)
    assert checksums(spark, lake) == first
