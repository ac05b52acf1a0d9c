from datetime import UTC, datetime, timedelta

import pytest

from services.dms.decoding import UNCHANGED_TOAST, Begin, Change, Commit, OtherMessage, parse_message
from services.dms.errors import DecodingError


def test_begin_and_commit_with_offset():
    assert parse_message("BEGIN 756") == Begin(756)
    commit = parse_message("COMMIT 756 (at 2026-12-05 01:45:36.363912+05:45)")
    assert isinstance(commit, Commit)
    assert commit.committed_at == datetime(2026, 12, 4, 20, 0, 36, 363912, tzinfo=UTC)
    assert commit.committed_at.utcoffset() == timedelta(hours=5, minutes=45)


def test_insert_with_quotes_and_nulls():
    text = ("table shop.\"We ird\": INSERT: id[bigint]:1 \"col x\"[text]:'it''s new-tuple: x' "
            "amt[numeric]:12.50 gone[text]:null none[text]:'None' empty[text]:'' b[boolean]:true "
            "tags[text[]]:'{a,\"b c\"}' multi[text]:'line1\nline2'")
    change = parse_message(text)
    assert isinstance(change, Change)
    assert (change.schema, change.table, change.operation) == ("shop", "We ird", "INSERT")
    assert change.new["col x"] == ("text", "it's new-tuple: x")
    assert change.new["amt"] == ("numeric", "12.50")
    assert change.new["gone"] == ("text", None)
    assert change.new["none"] == ("text", "None")
    assert change.new["empty"] == ("text", "")
    assert change.new["b"] == ("boolean", "true")
    assert change.new["tags"] == ("text[]", '{a,"b c"}')
    assert change.new["multi"] == ("text", "line1\nline2")
    assert change.old is None


def test_update_with_old_key_and_toast():
    text = ("table shop.orders: UPDATE: old-key: id[bigint]:1 big[text]:'xyz' "
            "new-tuple: id[bigint]:2 big[text]:unchanged-toast-datum")
    change = parse_message(text)
    assert change.old == {"id": ("bigint", "1"), "big": ("text", "xyz")}
    assert change.new["id"] == ("bigint", "2")
    assert change.new["big"][1] is UNCHANGED_TOAST


def test_delete_and_truncate():
    delete = parse_message("table shop.orders: DELETE: order_id[bigint]:1001 status[text]:'PAID'")
    assert delete.new is None
    assert delete.old == {"order_id": ("bigint", "1001"), "status": ("text", "PAID")}
    truncate = parse_message("table shop.orders: TRUNCATE: (no-flags)")
    assert truncate.operation == "TRUNCATE"


def test_quoted_identifier_with_doubled_quote():
    change = parse_message('table "My ""S""".t: INSERT: "a""b"[integer]:7')
    assert change.schema == 'My "S"'
    assert change.new == {'a"b': ("integer", "7")}


def test_other_message_is_kept_as_text():
    assert isinstance(parse_message("message: transactional: 1 prefix: x, sz: 1 content:y"), OtherMessage)


def test_malformed_change_raises():
    with pytest.raises(DecodingError):
        parse_message("table shop.orders: INSERT: id[bigint]")
