"""Spark writes a Delta table to the embedded S3 server through S3A with an s3:// path."""

from __future__ import annotations

import boto3


def test_delta_roundtrip_on_s3(stack, spark):
    path = f"s3://{stack.buckets.curated}/_probe/delta_roundtrip"
    frame = spark.range(0, 1000).selectExpr("id", "id % 7 AS bucket")

    frame.write.format("delta").mode("overwrite").save(path)
    read_back = spark.read.format("delta").load(path)

    assert read_back.count() == 1000
    assert read_back.groupBy().sum("bucket").collect()[0][0] == sum(i % 7 for i in range(1000))
    keys = [item["Key"] for item in boto3.client("s3").list_objects_v2(
        Bucket=stack.buckets.curated, Prefix="_probe/delta_roundtrip/")["Contents"]]
    assert any(key.startswith("_probe/delta_roundtrip/_delta_log/00000000000000000000.json") for key in keys)
    data_files = {key.rsplit("/", 1)[1] for key in keys if key.endswith(".parquet")}
    assert {file.rsplit("/", 1)[-1] for file in read_back.inputFiles()} == data_files
