"""The embedded stack over real sockets: health, loopback binding, persistence, Spark on S3."""

from __future__ import annotations

import boto3
import psutil
import psycopg2

from shoplake.stack import manager
from shoplake.stack.state import read_state


def test_every_service_healthy_on_loopback(stack):
    rows = manager.status(stack)
    assert {row.name for row in rows} >= {"s3", "kinesis", "postgres"}
    for row in rows:
        assert row.healthy, row
        assert "127.0.0.1" in row.url


def _listening_addresses(pid: int) -> set[str]:
    process = psutil.Process(pid)
    addresses = set()
    for member in [process, *process.children(recursive=True)]:
        for connection in member.net_connections(kind="inet"):
            if connection.status == psutil.CONN_LISTEN:
                addresses.add(connection.laddr.ip)
    return addresses


def test_no_listener_outside_loopback(stack):
    for name, service in read_state(stack).items():
        addresses = _listening_addresses(service.pid)
        assert addresses, f"{name} has no listener"
        assert addresses == {"127.0.0.1"}, f"{name} listens on {addresses}"


def test_buckets_and_stream_exist(stack):
    names = {bucket["Name"] for bucket in boto3.client("s3").list_buckets()["Buckets"]}
    assert set(stack.buckets.all()) <= names
    summary = boto3.client("kinesis").describe_stream_summary(StreamName=stack.campaign_stream)
    assert summary["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE"


def test_postgres_has_logical_wal_and_both_databases(stack):
    with psycopg2.connect(stack.source_dsn()) as connection, connection.cursor() as cursor:
        cursor.execute("SHOW wal_level")
        assert cursor.fetchone()[0] == "logical"
    with psycopg2.connect(stack.warehouse_dsn()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        assert cursor.fetchone()[0] == stack.warehouse_db


def test_up_is_idempotent(stack):
    before = {name: entry.pid for name, entry in read_state(stack).items()}
    manager.up(stack)
    after = {name: entry.pid for name, entry in read_state(stack).items()}
    assert before == after


def test_object_survives_down_and_up(stack):
    s3 = boto3.client("s3")
    s3.put_object(Bucket=stack.buckets.raw, Key="_probe/persist.txt", Body=b"still here")

    manager.down(stack)
    assert all(not row.running for row in manager.status(stack))
    manager.up(stack)

    body = boto3.client("s3").get_object(Bucket=stack.buckets.raw, Key="_probe/persist.txt")["Body"].read()
    assert body == b"still here"


def test_many_buckets_stay_writable(stack):
    # SeaweedFS makes each bucket a collection with volumes of its own. A low volume limit ran out
    # after about a dozen buckets, and the tests use a private bucket per area.
    s3 = boto3.client("s3")
    for index in range(40):
        bucket = f"shoplake-probe-{index:02d}"
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="probe.txt", Body=b"x")
        assert s3.get_object(Bucket=bucket, Key="probe.txt")["Body"].read() == b"x"
