"""Access-log classification rules and combined-format rendering."""

import gzip

from sample_data.access_logs import rules
from sample_data.access_logs.render import escape_field, gzip_lines, local_time, render_line
from sample_data.access_logs.sessions import Hit


def _hit(**changes):
    values = dict(ts=1_762_041_600, server="web-apache-01", ip="192.0.2.10", user="10001", method="GET",
                  target="/products/P-00001", status=200, size=512, referrer="-", user_agent="Mozilla/5.0")
    values.update(changes)
    return Hit(**values)


def test_event_type_rules():
    assert rules.event_type("GET", "/products/P-00001") == "page_view"
    assert rules.event_type("GET", "/click?target=/&pos=1") == "click"
    assert rules.event_type("GET", "/static/js/app.js") == "asset"
    assert rules.event_type("GET", "/robots.txt") == "asset"
    assert rules.event_type("POST", "/api/cart") == "api"
    assert rules.event_type("POST", "/checkout") == "api"
    assert rules.event_type("HEAD", "/") == "probe"
    assert rules.event_type("PRI", "*") == "probe"
    assert rules.event_type(None, None) == "probe"


def test_bot_agents():
    assert rules.is_bot("Mozilla/5.0 (compatible; Googlebot/2.1)")
    assert rules.is_bot("curl/8.5.0")
    assert rules.is_bot("-")
    assert not rules.is_bot("Dalvik/2.1.0 (Linux; U; Android 9; Pad 8\" Build/PQ3A)")


def test_counted_event_excludes_errors_and_bots():
    assert rules.counted_event("GET", "/", 200, "Mozilla/5.0") == "page_view"
    assert rules.counted_event("GET", "/", 404, "Mozilla/5.0") is None
    assert rules.counted_event("GET", "/", None, "Mozilla/5.0") is None
    assert rules.counted_event("GET", "/", 200, "bingbot/2.0") is None
    assert rules.counted_event("GET", "/click?target=/", 302, "Mozilla/5.0") == "click"


def test_escape_by_server():
    assert escape_field('Pad 8" Build', "web-apache-01") == 'Pad 8\\" Build'
    assert escape_field('Pad 8" Build', "web-nginx-01") == "Pad 8\\x22 Build"


def test_local_time_offsets_with_minutes():
    # 2024-03-09T18:20:00Z shown at +05:30 is 23:50 local (field case F05).
    assert local_time(1_710_008_400, 330) == "09/Mar/2024:23:50:00 +0530"
    assert local_time(1_710_062_400, -570) == "09/Mar/2024:23:50:00 -0930"


def test_render_dash_fields():
    line = render_line(_hit(method=None, target=None, protocol="-", status=408, size=None, user_agent="-"))
    assert '"-" 408 - "-" "-"' in line


def test_cut_line_has_open_quote_and_no_newline():
    hit = _hit(cut=True)
    body = gzip.decompress(gzip_lines([_hit(), hit]))
    last = body.split(b"\n")[-1]
    assert not body.endswith(b"\n")
    assert last.count(b'"') % 2 == 1


def test_gzip_bytes_are_reproducible():
    assert gzip_lines([_hit(), _hit(ts=1_762_041_601)]) == gzip_lines([_hit(), _hit(ts=1_762_041_601)])
