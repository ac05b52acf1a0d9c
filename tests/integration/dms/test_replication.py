"""Full load and CDC against the real PostgreSQL and S3 servers of the test stack."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from dms_helpers import source_rows, write_config

from services.dms import task
from services.dms.apply import apply_changes, read_table_files
from services.dms.errors import SchemaChangeError, SourceTableError

pytestmark = pytest.mark.integration

CDC_NAME = re.compile(r"^\d{8}-\d{9}\.(parquet|csv)$")


def _s3():
    import boto3

    return boto3.client("s3")


def _keys(environment, table):
    listing = _s3().list_objects_v2(Bucket=environment.bucket, Prefix=environment.table_prefix(table))
    return sorted(item["Key"] for item in listing.get("Contents", []))


def _parquet(environment, key):
    body = _s3().get_object(Bucket=environment.bucket, Key=key)["Body"].read()
    return pq.read_table(io.BytesIO(body))


def _seed_orders(cursor):
    cursor.execute("INSERT INTO shop.customers (customer_id, email) VALUES (1, 'a@shop.example')")
    cursor.execute("INSERT INTO shop.orders (order_id, customer_id, status, currency, total_amount) VALUES "
                   "(1002, 1, 'NEW', 'EUR', 40.00), (1003, 1, 'PAID', 'EUR', 12.00)")


def _change_orders_several_times(cursor):
    cursor.execute("INSERT INTO shop.orders (order_id, customer_id, status, currency, total_amount) "
                   "VALUES (1001, 1, 'NEW', 'EUR', 25.00)")
    cursor.execute("UPDATE shop.orders SET status = 'PAID' WHERE order_id = 1001")
    cursor.execute("DELETE FROM shop.orders WHERE order_id = 1001")
    cursor.execute("DELETE FROM shop.orders WHERE order_id = 1002")
    cursor.execute("INSERT INTO shop.orders (order_id, customer_id, status, currency, total_amount) "
                   "VALUES (1002, 1, 'NEW', 'EUR', 41.50)")
    cursor.execute("UPDATE shop.orders SET status = 'SHIPPED' WHERE order_id = 1003")


def test_several_changes_to_one_key(dms_env):
    with dms_env.connect() as connection, connection.cursor() as cursor:
        _seed_orders(cursor)
    task.run_until_caught_up(dms_env.settings, dms_env.config())
    with dms_env.connect() as connection, connection.cursor() as cursor:
        _change_orders_several_times(cursor)
    result = task.run_until_caught_up(dms_env.settings, dms_env.config())
    assert result["tables"]["shop.orders"]["cdc_rows"] == 6

    full_load, cdc = read_table_files(_s3(), dms_env.bucket, dms_env.table_prefix("orders"))
    assert [(row["Op"], row["order_id"], row["status"]) for row in cdc] == [
        ("I", 1001, "NEW"), ("U", 1001, "PAID"), ("D", 1001, "PAID"), ("D", 1002, "NEW"), ("I", 1002, "NEW"),
        ("U", 1003, "SHIPPED")]
    state = apply_changes(full_load, cdc, ["order_id"])
    assert sorted(state) == [(1002,), (1003,)]
    assert (state[(1002,)]["status"], state[(1002,)]["total_amount"]) == ("NEW", Decimal("41.50"))
    assert (state[(1003,)]["status"], state[(1003,)]["total_amount"]) == ("SHIPPED", Decimal("12.00"))


def test_parquet_layout_and_columns(dms_env):
    with dms_env.connect() as connection, connection.cursor() as cursor:
        _seed_orders(cursor)
    task.run_until_caught_up(dms_env.settings, dms_env.config())
    with dms_env.connect() as connection, connection.cursor() as cursor:
        _change_orders_several_times(cursor)
    task.run_until_caught_up(dms_env.settings, dms_env.config())

    keys = _keys(dms_env, "orders")
    prefix = dms_env.table_prefix("orders")
    assert keys[-1] == prefix + "LOAD00000001.parquet"
    cdc_keys = keys[:-1]
    assert cdc_keys and all(CDC_NAME.match(key[len(prefix):]) for key in cdc_keys)
    assert _keys(dms_env, "campaigns") == []

    columns = ["order_id", "customer_id", "order_ts", "status", "currency", "total_amount", "campaign_id",
               "updated_at"]
    load = _parquet(dms_env, keys[-1])
    assert load.schema.names == ["dms_commit_ts", *columns]
    cdc = _parquet(dms_env, cdc_keys[0])
    assert cdc.schema.names == ["Op", "dms_commit_ts", *columns]
    assert cdc.schema.field("total_amount").type == pa.decimal128(12, 2)
    assert cdc.schema.field("order_ts").type == pa.timestamp("us", tz="UTC")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", cdc.column("dms_commit_ts")[0].as_py())


def test_full_load_with_op_column(dms_env, tmp_path):
    with dms_env.connect() as connection, connection.cursor() as cursor:
        _seed_orders(cursor)
    config_dir = write_config(tmp_path / "with-op", dms_env.database, dms_env.folder, IncludeOpForFullLoad=True)
    task.full_load(dms_env.settings, config_dir=config_dir)
    load = _parquet(dms_env, dms_env.table_prefix("orders") + "LOAD00000001.parquet")
    assert load.schema.names[:3] == ["Op", "dms_commit_ts", "order_id"]
    assert set(load.column("Op").to_pylist()) == {"I"}


def _insert_null_empty_none(cursor, first_id):
    cursor.execute("INSERT INTO shop.payments (payment_id, order_id, amount, coupon_code) VALUES "
                   "(%s, 1002, 1.00, NULL), (%s, 1002, 2.00, ''), (%s, 1002, 3.00, 'None')",
                   (first_id, first_id + 1, first_id + 2))


def test_parquet_null_empty_none_distinct(dms_env):
    with dms_env.connect() as connection, connection.cursor() as cursor:
        _seed_orders(cursor)
        _insert_null_empty_none(cursor, 1)
    task.run_until_caught_up(dms_env.settings, dms_env.config())
    with dms_env.connect() as connection, connection.cursor() as cursor:
        _insert_null_empty_none(cursor, 11)
    task.run_until_caught_up(dms_env.settings, dms_env.config())

    full_load, cdc = read_table_files(_s3(), dms_env.bucket, dms_env.table_prefix("payments"))
    assert [row["coupon_code"] for row in full_load] == [None, "", "None"]
    assert [row["coupon_code"] for row in cdc] == [None, "", "None"]


def test_csv_null_value_keeps_empty_distinct(dms_env, tmp_path):
    config_dir = write_config(tmp_path / "csv", dms_env.database, dms_env.folder, DataFormat="csv",
                              CsvNullValue="\\N")
    with dms_env.connect() as connection, connection.cursor() as cursor:
        _seed_orders(cursor)
        _insert_null_empty_none(cursor, 1)
    task.run_until_caught_up(dms_env.settings, config_dir=config_dir)
    with dms_env.connect() as connection, connection.cursor() as cursor:
        _insert_null_empty_none(cursor, 11)
    task.run_until_caught_up(dms_env.settings, config_dir=config_dir)

    prefix = dms_env.table_prefix("payments")
    keys = _keys(dms_env, "payments")
    assert keys[-1] == prefix + "LOAD00000001.csv"
    assert CDC_NAME.match(keys[0][len(prefix):])
    names = {"load": ["dms_commit_ts", "payment_id", "order_id", "paid_at", "amount", "currency", "method",
                      "status", "coupon_code"]}
    names["cdc"] = ["Op", *names["load"]]
    for key, kind in ((keys[-1], "load"), (keys[0], "cdc")):
        body = _s3().get_object(Bucket=dms_env.bucket, Key=key)["Body"].read()
        table = pacsv.read_csv(io.BytesIO(body), read_options=pacsv.ReadOptions(column_names=names[kind]),
                               convert_options=pacsv.ConvertOptions(
                                   null_values=["\\N"], strings_can_be_null=True, quoted_strings_can_be_null=False,
                                   column_types={"coupon_code": pa.string(), "amount": pa.string()}))
        assert table.column("coupon_code").to_pylist() == [None, "", "None"], kind
        assert table.column("amount").to_pylist() == ["1.00", "2.00", "3.00"], kind


def test_timestamps_ignore_server_and_session_time_zone(dms_env):
    with dms_env.connect() as connection, connection.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{dms_env.database}" SET timezone = \'Asia/Kathmandu\'')
    with dms_env.connect("America/New_York") as connection, connection.cursor() as cursor:
        _seed_orders(cursor)
        cursor.execute("UPDATE shop.orders SET order_ts = '2024-03-01 10:00:00.000001+00' WHERE order_id = 1002")
    task.run_until_caught_up(dms_env.settings, dms_env.config())
    with dms_env.connect("Pacific/Chatham") as connection, connection.cursor() as cursor:
        cursor.execute("UPDATE shop.orders SET order_ts = '2024-03-01 10:00:00.000001+00', status = 'PAID' "
                       "WHERE order_id = 1002")
    task.run_until_caught_up(dms_env.settings, dms_env.config())

    full_load, cdc = read_table_files(_s3(), dms_env.bucket, dms_env.table_prefix("orders"))
    expected = datetime(2024, 3, 1, 10, 0, 0, 1, tzinfo=UTC)
    assert [row["order_ts"] for row in full_load if row["order_id"] == 1002] == [expected]
    assert [row["order_ts"] for row in cdc] == [expected]


def test_long_text_and_unchanged_toast(dms_env):
    long_name = "".join(f"{number:05d}" for number in range(4000))
    with dms_env.connect() as connection, connection.cursor() as cursor:
        _seed_orders(cursor)
    task.run_until_caught_up(dms_env.settings, dms_env.config())
    with dms_env.connect() as connection, connection.cursor() as cursor:
        cursor.execute("UPDATE shop.customers SET last_name = %s WHERE customer_id = 1", (long_name,))
        cursor.execute("UPDATE shop.customers SET city = 'Köln' WHERE customer_id = 1")
    task.run_until_caught_up(dms_env.settings, dms_env.config())

    full_load, cdc = read_table_files(_s3(), dms_env.bucket, dms_env.table_prefix("customers"))
    assert [(row["Op"], row["city"], row["last_name"] == long_name) for row in cdc] == [
        ("U", None, True), ("U", "Köln", True)]


def test_column_added_mid_stream(dms_env):
    with dms_env.connect() as connection, connection.cursor() as cursor:
        _seed_orders(cursor)
    task.run_until_caught_up(dms_env.settings, dms_env.config())
    connection = dms_env.connect()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE shop.orders SET status = 'PAID' WHERE order_id = 1002")
        cursor.execute("ALTER TABLE shop.orders ADD COLUMN channel text")
        cursor.execute("UPDATE shop.orders SET status = 'SHIPPED', channel = 'web' WHERE order_id = 1002")
    connection.close()
    task.run_until_caught_up(dms_env.settings, dms_env.config())

    prefix = dms_env.table_prefix("orders")
    cdc_keys = [key for key in _keys(dms_env, "orders") if not key.startswith(prefix + "LOAD")]
    assert len(cdc_keys) == 2
    assert "channel" not in _parquet(dms_env, cdc_keys[0]).schema.names
    assert _parquet(dms_env, cdc_keys[1]).column("channel").to_pylist() == ["web"]


def test_column_added_inside_a_transaction_stops_cdc(dms_env):
    with dms_env.connect() as connection, connection.cursor() as cursor:
        _seed_orders(cursor)
    task.run_until_caught_up(dms_env.settings, dms_env.config())
    with dms_env.connect() as connection, connection.cursor() as cursor:
        cursor.execute("UPDATE shop.orders SET status = 'PAID' WHERE order_id = 1002")
        cursor.execute("ALTER TABLE shop.orders ADD COLUMN channel text")
        cursor.execute("UPDATE shop.orders SET status = 'SHIPPED', channel = 'web' WHERE order_id = 1002")
    with pytest.raises(SchemaChangeError, match="shoplake dms full-load"):
        task.run_until_caught_up(dms_env.settings, dms_env.config())


def test_table_without_primary_key_is_rejected(dms_env):
    with dms_env.connect() as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TABLE shop.audit_log (message text)")
    with pytest.raises(SourceTableError, match="shop.audit_log has no primary key"):
        task.run_until_caught_up(dms_env.settings, dms_env.config())


def test_status_reports_lag(dms_env):
    with dms_env.connect() as connection, connection.cursor() as cursor:
        _seed_orders(cursor)
    task.run_until_caught_up(dms_env.settings, dms_env.config())
    # WAL is cluster-wide: other databases of the shared test server can add a few bytes after catch-up.
    caught_up = task.status(dms_env.settings, dms_env.config())["lag_bytes"]
    with dms_env.connect() as connection, connection.cursor() as cursor:
        _change_orders_several_times(cursor)
    report = task.status(dms_env.settings, dms_env.config())
    assert report["lag_bytes"] > caught_up
    assert report["lag_seconds"] >= 0


def test_source_rows_helper_matches_full_load(dms_env):
    with dms_env.connect() as connection, connection.cursor() as cursor:
        _seed_orders(cursor)
    task.run_until_caught_up(dms_env.settings, dms_env.config())
    full_load, _ = read_table_files(_s3(), dms_env.bucket, dms_env.table_prefix("orders"))
    replicated = [{name: value for name, value in row.items() if name != "dms_commit_ts"} for row in full_load]
    assert replicated == source_rows(dms_env, "orders", ["order_id"])
