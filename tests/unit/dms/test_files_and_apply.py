import io
from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from services.dms.apply import apply_changes
from services.dms.catalog import Column, SourceTable
from services.dms.config import S3Target
from services.dms.files import (
    cdc_file_key,
    cdc_file_name,
    encode_rows,
    load_file_key,
    next_cdc_file_name,
    output_schema,
)
from services.dms.values import column_type

PAYMENTS = SourceTable("shop", "payments", (
    Column("payment_id", column_type("bigint")),
    Column("amount", column_type("numeric", (12 << 16 | 2) + 4)),
    Column("coupon_code", column_type("text")),
), ("payment_id",), "full")
PARQUET = S3Target(bucket_folder="dms", data_format="parquet", timestamp_column="dms_commit_ts")
CSV = S3Target(bucket_folder="dms", data_format="csv", timestamp_column="dms_commit_ts", csv_null_value="\\N")


def test_load_file_names_count_in_hex():
    assert load_file_key(PARQUET, PAYMENTS, 1) == "dms/shop/payments/LOAD00000001.parquet"
    assert load_file_key(PARQUET, PAYMENTS, 10) == "dms/shop/payments/LOAD0000000A.parquet"
    assert load_file_key(CSV, PAYMENTS, 16) == "dms/shop/payments/LOAD00000010.csv"


def test_cdc_file_name_is_utc_milliseconds():
    moment = datetime(2024, 3, 1, 10, 0, 5, 123456, tzinfo=UTC)
    assert cdc_file_name(moment) == "20240301-100005123"
    assert cdc_file_key(PARQUET, PAYMENTS, "20240301-100005123") == "dms/shop/payments/20240301-100005123.parquet"


def test_next_cdc_file_name_sorts_after_previous():
    moment = datetime(2024, 3, 1, 10, 0, 5, 123456, tzinfo=UTC)
    assert next_cdc_file_name(moment, "20240301-100005123") == "20240301-100005124"
    assert next_cdc_file_name(moment, "20240301-100009000") == "20240301-100009001"


def test_date_partitioned_cdc_key():
    target = S3Target(bucket_folder="dms", date_partition_enabled=True)
    assert cdc_file_key(target, PAYMENTS, "20240301-100005123") == "dms/shop/payments/2024/03/01/20240301-100005123.parquet"


def test_output_columns_order():
    assert output_schema(PARQUET, PAYMENTS, with_op=True).names == ["Op", "dms_commit_ts", "payment_id", "amount",
                                                                     "coupon_code"]
    assert output_schema(PARQUET, PAYMENTS, with_op=False).names == ["dms_commit_ts", "payment_id", "amount",
                                                                      "coupon_code"]


NULL_EMPTY_NONE_ROWS = [["I", "2024-03-01 10:00:00.000001", 1, Decimal("1.00"), None],
            ["I", "2024-03-01 10:00:00.000001", 2, Decimal("2.00"), ""],
            ["I", "2024-03-01 10:00:00.000001", 3, Decimal("3.00"), "None"],
            ["I", "2024-03-01 10:00:00.000001", 4, Decimal("4.00"), "\\N"],
            ["I", "2024-03-01 10:00:00.000001", 5, Decimal("5.00"), 'a,"b"\nc']]


def test_parquet_keeps_null_empty_and_none_apart():
    table = pq.read_table(io.BytesIO(encode_rows(PARQUET, PAYMENTS, NULL_EMPTY_NONE_ROWS, with_op=True)))
    assert table.schema.field("amount").type == pa.decimal128(12, 2)
    assert table.column("coupon_code").to_pylist() == [None, "", "None", "\\N", 'a,"b"\nc']


def test_csv_keeps_null_empty_and_none_apart():
    body = encode_rows(CSV, PAYMENTS, NULL_EMPTY_NONE_ROWS, with_op=True)
    lines = body.decode().split("\n")
    assert lines[0] == "I,2024-03-01 10:00:00.000001,1,1.00,\\N"
    assert lines[1] == 'I,2024-03-01 10:00:00.000001,2,2.00,""'
    assert lines[2] == "I,2024-03-01 10:00:00.000001,3,3.00,None"
    assert lines[3] == 'I,2024-03-01 10:00:00.000001,4,4.00,"\\N"'

    names = output_schema(CSV, PAYMENTS, with_op=True).names
    table = pacsv.read_csv(io.BytesIO(body), read_options=pacsv.ReadOptions(column_names=names),
                           convert_options=pacsv.ConvertOptions(
                               null_values=["\\N"], strings_can_be_null=True, quoted_strings_can_be_null=False,
                               column_types={"coupon_code": pa.string()}))
    assert table.column("coupon_code").to_pylist() == [None, "", "None", "\\N", 'a,"b"\nc']


def _row(op, ts, order_id, status, amount):
    return {"Op": op, "dms_commit_ts": ts, "order_id": order_id, "status": status, "amount": Decimal(amount)}


SEVERAL_CHANGES_CDC = [
    _row("I", "2024-03-01 10:00:00.000001", 1001, "NEW", "25.00"),
    _row("U", "2024-03-01 10:00:05.000002", 1001, "PAID", "25.00"),
    _row("D", "2024-03-01 10:00:09.000003", 1001, "PAID", "25.00"),
    _row("D", "2024-03-01 10:01:00.000001", 1002, "NEW", "40.00"),
    _row("I", "2024-03-01 10:01:02.000001", 1002, "NEW", "41.50"),
    _row("U", "2024-03-01 10:02:00.000001", 1003, "SHIPPED", "12.00"),
]
SEVERAL_CHANGES_FULL_LOAD = [{"dms_commit_ts": "2024-03-02 00:00:00.000000", "order_id": 1002, "status": "NEW",
                  "amount": Decimal("40.00")},
                 {"dms_commit_ts": "2024-03-02 00:00:00.000000", "order_id": 1003, "status": "PAID",
                  "amount": Decimal("12.00")}]
SEVERAL_CHANGES_EXPECTED = {(1002,): {"order_id": 1002, "status": "NEW", "amount": Decimal("41.50")},
                (1003,): {"order_id": 1003, "status": "SHIPPED", "amount": Decimal("12.00")}}


@pytest.mark.parametrize("order", [list(range(6)), [5, 4, 3, 2, 1, 0], [2, 0, 4, 1, 5, 3]])
def test_apply_in_any_input_order(order):
    cdc = [SEVERAL_CHANGES_CDC[index] for index in order]
    assert apply_changes(SEVERAL_CHANGES_FULL_LOAD, cdc, ["order_id"]) == SEVERAL_CHANGES_EXPECTED


def test_apply_soft_delete_keeps_key():
    state = apply_changes(SEVERAL_CHANGES_FULL_LOAD, SEVERAL_CHANGES_CDC, ["order_id"], soft_delete=True)
    assert state[(1001,)]["is_deleted"] is True
    assert state[(1002,)]["is_deleted"] is False


def test_apply_replayed_file_gives_same_state():
    first = [{**row, "_dms_file": "20240301-100300000", "_dms_row": number} for number, row in enumerate(SEVERAL_CHANGES_CDC)]
    replay = [{**row, "_dms_file": "20240301-100400000", "_dms_row": number} for number, row in enumerate(SEVERAL_CHANGES_CDC)]
    assert apply_changes(SEVERAL_CHANGES_FULL_LOAD, first + replay, ["order_id"]) == SEVERAL_CHANGES_EXPECTED


def test_apply_same_commit_time_uses_row_order():
    rows = [{**_row("U", "2024-03-01 10:00:00.000001", 1003, status, "12.00"), "_dms_file": "f", "_dms_row": n}
            for n, status in enumerate(["PAID", "SHIPPED", "DELIVERED"])]
    assert apply_changes(SEVERAL_CHANGES_FULL_LOAD, rows[::-1], ["order_id"])[(1003,)]["status"] == "DELIVERED"


def test_apply_rejects_unknown_op():
    with pytest.raises(ValueError, match="invalid Op"):
        apply_changes([], [_row("X", "2024-03-01 10:00:00.000001", 1, "NEW", "1.00")], ["order_id"])
