import json

import pytest

from services.dms.catalog import Column, SourceTable, is_selected
from services.dms.cdc import change_rows
from services.dms.config import CONFIG_DIR, SelectionRule, load_config, parse_s3_settings, parse_table_mappings
from services.dms.decoding import parse_message
from services.dms.errors import ConfigError, UnsupportedChangeError
from services.dms.values import column_type

ORDERS = SourceTable("shop", "orders", (
    Column("order_id", column_type("bigint")),
    Column("status", column_type("text")),
    Column("note", column_type("text")),
), ("order_id",), "full")


def test_checked_in_config_loads():
    config = load_config()
    assert config.target.data_format == "parquet"
    assert config.target.timestamp_column == "dms_commit_ts"
    assert config.target.bucket_folder == "dms"
    assert config.plugin == "test_decoding"


def test_checked_in_mappings_select_shop_tables():
    rules = load_config().rules
    assert is_selected(rules, "shop", "orders")
    assert not is_selected(rules, "public", "orders")


def test_exclude_rule_wins():
    rules = (SelectionRule("1", "shop", "%", "include"), SelectionRule("2", "shop", "order\\_lines", "exclude"),
             SelectionRule("3", "shop", "tmp_", "exclude"))
    assert not is_selected(rules, "shop", "tmp1")
    assert is_selected(rules, "shop", "tmp12")


def test_transformation_rule_is_rejected():
    with pytest.raises(ConfigError, match="only 'selection'"):
        parse_table_mappings({"rules": [{"rule-type": "transformation", "rule-id": "9"}]})


def test_unknown_s3_setting_is_rejected():
    with pytest.raises(ConfigError, match="unknown S3Settings key"):
        parse_s3_settings({"DataFormat": "parquet", "Bogus": 1})


def test_unsupported_s3_value_is_rejected():
    with pytest.raises(ConfigError, match="CdcInsertsOnly"):
        parse_s3_settings({"CdcInsertsOnly": True})


def test_config_files_are_valid_json():
    for path in CONFIG_DIR.glob("*.json"):
        assert isinstance(json.loads(path.read_text()), dict), path


def test_primary_key_change_is_delete_then_insert():
    change = parse_message("table shop.orders: UPDATE: old-key: order_id[bigint]:1 status[text]:'NEW' "
                           "new-tuple: order_id[bigint]:2 status[text]:'NEW' note[text]:null")
    rows = change_rows(ORDERS, change)
    assert [(op, values) for op, values, _ in rows] == [("D", [1, "NEW", None]), ("I", [2, "NEW", None])]


def test_unchanged_toast_is_copied_from_old_row():
    change = parse_message("table shop.orders: UPDATE: old-key: order_id[bigint]:1 note[text]:'long' "
                           "new-tuple: order_id[bigint]:1 status[text]:'PAID' note[text]:unchanged-toast-datum")
    assert [(op, values) for op, values, _ in change_rows(ORDERS, change)] == [("U", [1, "PAID", "long"])]


def test_unchanged_toast_without_old_row_raises():
    change = parse_message("table shop.orders: UPDATE: order_id[bigint]:1 status[text]:'PAID' "
                           "note[text]:unchanged-toast-datum")
    with pytest.raises(UnsupportedChangeError, match="REPLICA IDENTITY FULL"):
        change_rows(ORDERS, change)


def test_truncate_raises():
    with pytest.raises(UnsupportedChangeError, match="full-load"):
        change_rows(ORDERS, parse_message("table shop.orders: TRUNCATE: (no-flags)"))
