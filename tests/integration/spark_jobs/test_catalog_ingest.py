"""catalog_ingest on CSV files in the raw zone: dialects, header checks, quarantine."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.spark]

DT = "2031-01-07"

F07 = (b'sku,name,description,price\n'
       b'P-001,"Trail Shoe","Lightweight.\nWaterproof upper.",89.90\n'
       b'P-002,Road Shoe,"Says ""fast""",79.00\n')
F08 = b'\xef\xbb\xbf"sku","name","price"\r\n"P-001","Trail Shoe","89.90"\r\n'
NO_PRICE = b"sku,name,description\nP-009,Sock,Wool\nP-010,Cap,Cotton\n"
SEMICOLON_WITH_BAD_ROW = (b"SKU;Name;Price;Currency;Updated_At;Category\r\n"
                          b"P-020;Tent;1.234,50;eur;2031-01-06T10:00:00+02:00;outdoor\r\n"
                          b"P-021;Lamp;cheap;EUR;2031-01-06T10:00:00Z;outdoor\r\n")


def staged_rows(spark, lake):
    return {row["source_file"].rsplit("/", 1)[-1] + ":" + row["sku"]: row
            for row in spark.read.parquet(lake.uri(lake.staging, f"catalog/dt={DT}")).collect()}


def test_catalog_dialects_and_quarantine(spark, lake, run_glue_job):
    for name, body in {"f07.csv": F07, "f08.csv": F08, "no_price.csv": NO_PRICE, "semicolon.csv": SEMICOLON_WITH_BAD_ROW}.items():
        lake.put(lake.raw, f"catalog/dt={DT}/{name}", body)

    report = run_glue_job("catalog_ingest", DT)

    rows = staged_rows(spark, lake)
    assert sorted(rows) == ["f07.csv:P-001", "f07.csv:P-002", "f08.csv:P-001", "semicolon.csv:P-020"]
    assert rows["f07.csv:P-001"]["description"] == "Lightweight.\nWaterproof upper."
    assert rows["f07.csv:P-002"]["description"] == 'Says "fast"'
    assert rows["f08.csv:P-001"]["name"] == "Trail Shoe"
    assert rows["f08.csv:P-001"]["price"] == Decimal("89.90")
    assert rows["semicolon.csv:P-020"]["price"] == Decimal("1234.50")
    assert rows["semicolon.csv:P-020"]["currency"] == "EUR"
    assert str(rows["semicolon.csv:P-020"]["updated_at"]) == "2031-01-06 08:00:00"

    quarantined = lake.quarantine_records("catalog", DT, "catalog_ingest")
    reasons = sorted((record["source"].rsplit("/", 1)[-1], record["offset"], record["reason"]) for record in quarantined)
    assert reasons == [("no_price.csv", "2", "missing_required_column"), ("no_price.csv", "3", "missing_required_column"),
                       ("semicolon.csv", "3", "invalid_price")]
    expected_raw_rows = (b"P-009,Sock,Wool", b"P-010,Cap,Cotton", b"P-021;Lamp;cheap;EUR;2031-01-06T10:00:00Z;outdoor")
    assert base64.b64decode(quarantined[0]["raw_b64"]) in expected_raw_rows

    counts = report["inputs"]["catalog_csv"]
    assert (counts["rows_in"], counts["rows_out"], counts["quarantined"]) == (7, 4, 3)
    assert report["mode"] == "in-process"


def test_catalog_rerun_replaces_date(spark, lake, run_glue_job):
    lake.put(lake.raw, f"catalog/dt={DT}/f07.csv", F07)
    lake.put(lake.raw, f"catalog/dt={DT}/no_price.csv", NO_PRICE)
    run_glue_job("catalog_ingest", DT)

    import boto3

    boto3.client("s3").delete_object(Bucket=lake.raw, Key=f"catalog/dt={DT}/no_price.csv")
    report = run_glue_job("catalog_ingest", DT)

    assert sorted(staged_rows(spark, lake)) == ["f07.csv:P-001", "f07.csv:P-002"]
    assert lake.quarantine_records("catalog", DT, "catalog_ingest") == []
    assert report["inputs"]["catalog_csv"]["quarantined"] == 0
