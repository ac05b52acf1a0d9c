"""Field cases F01 to F06 run through the log-processor handler, with the expected values of the cases."""

from __future__ import annotations

import base64
import hashlib

from tests.unit.services.conftest import ip_hash, quarantined, run_log_handler


def test_f01_ipv6_zone_and_mapped_ipv4(log_handler, s3):
    body = (b'fe80::1c2d:3eff:fe4a:5b6c%eth0 - - [07/Sep/2023:15:58:36 +0200] "GET /health HTTP/1.1" 200 512 "-" "curl/8.0.1"\n'
            b'2001:db8:85a3::8a2e:370:7334 - - [07/Sep/2023:15:58:37 +0200] "GET / HTTP/1.1" 200 1024 "-" "Mozilla/5.0"\n'
            b'::ffff:198.51.100.7 - - [07/Sep/2023:15:58:38 +0200] "GET / HTTP/1.1" 200 1024 "-" "Mozilla/5.0"\n'
            b'not-an-address - - [07/Sep/2023:15:58:39 +0200] "GET / HTTP/1.1" 200 1024 "-" "Mozilla/5.0"\n')

    result = run_log_handler(log_handler, s3, body)
    first, second, third, fourth = log_handler.firehose.delivered()

    assert result["records_sent"] == 4
    assert first["client_ip_hash"] == ip_hash("fe80::1c2d:3eff:fe4a:5b6c")
    assert first["ip_zone"] == "eth0"
    assert first["ts"] == "2023-09-07T13:58:36Z"
    assert second["ip_version"] == 6
    assert second["client_ip_hash"] == ip_hash("2001:db8:85a3::8a2e:370:7334")
    assert third["ip_version"] == 6
    assert third["client_ip_hash"] == ip_hash("198.51.100.7")
    assert fourth["client_ip_hash"] is None
    assert fourth["ip_version"] is None
    assert fourth["ip_flag"] == "invalid_host"


def test_f01_raw_addresses_never_leave_handler(log_handler, s3):
    body = b'::ffff:198.51.100.7 - - [07/Sep/2023:15:58:38 +0200] "GET / HTTP/1.1" 200 1024 "-" "Mozilla/5.0"\n'

    run_log_handler(log_handler, s3, body)

    assert b"198.51.100.7" not in log_handler.firehose.calls[0][0]


def test_f02_escaped_quotes(log_handler, s3):
    body = (b'192.0.2.10 - - [16/Apr/2018:16:19:20 +0000] "POST /api/cart HTTP/1.1" 200 8073 "-" '
            b'"Dalvik/2.1.0 (Linux; U; Android 9; Pad 8\\" Build/PQ3A)"\n'
            b'192.0.2.11 - - [16/Apr/2018:16:19:21 +0000] "GET /search?q=\\"trail+shoes\\" HTTP/1.1" 200 311 '
            b'"https://shop.example/?ref=\\"mail\\"" "Mozilla/5.0"\n'
            b'192.0.2.12 - - [16/Apr/2018:16:19:22 +0000] "GET /search HTTP/1.1" 200 311 "-" "Pad 8\\x22 Build"\n')

    result = run_log_handler(log_handler, s3, body)
    first, second, third = log_handler.firehose.delivered()

    assert result["records_sent"] == 3
    assert first["user_agent"].endswith('Pad 8" Build/PQ3A)')
    assert f'{second["path"]}?{second["query"]}' == '/search?q="trail+shoes"'
    assert second["referrer"] == 'https://shop.example/?ref="mail"'
    assert third["user_agent"] == 'Pad 8" Build'


def test_f03_dashes_in_status_bytes_request(log_handler, s3):
    body = (b'198.51.100.20 - - [28/Jan/2014:08:59:29 -0600] "GET /js/app.js HTTP/1.0" - 0 "-" "probe/1.0"\n'
            b'198.51.100.21 - - [28/Jan/2014:08:59:30 -0600] "HEAD / HTTP/1.1" 304 - "-" "probe/1.0"\n'
            b'198.51.100.22 - - [28/Jan/2014:08:59:31 -0600] "-" 408 - "-" "-"\n')

    result = run_log_handler(log_handler, s3, body)
    first, second, third = log_handler.firehose.delivered()

    assert result["records_sent"] == 3
    assert first["status"] is None
    assert first["status_flag"] == "missing"
    assert first["bytes"] == 0
    assert first["ts"] == "2014-01-28T14:59:29Z"
    assert second["status"] == 304
    assert second["bytes"] == 0
    assert (third["method"], third["path"], third["protocol"]) == (None, None, None)
    assert third["status"] == 408


def test_f04_http2_and_protocol_probe(log_handler, s3):
    body = (b'203.0.113.5 - - [31/Dec/2017:03:14:19 +0100] "GET /products/42 HTTP/2" 200 0 "-" "Mozilla/5.0"\n'
            b'203.0.113.6 - - [31/Dec/2017:03:14:20 +0100] "GET /products/43 HTTP/2.0" 200 5120 "-" "Mozilla/5.0"\n'
            b'203.0.113.7 - - [31/Dec/2017:03:14:21 +0100] "PRI * HTTP/2.0" 400 0 "-" "-"\n')

    result = run_log_handler(log_handler, s3, body)
    first, second, third = log_handler.firehose.delivered()

    assert result["records_sent"] == 3
    assert first["protocol"] == "HTTP/2"
    assert second["protocol"] == "HTTP/2"
    assert first["product_id"] == "42"
    assert third["event_type"] == "probe"
    assert third["event_type"] != "page_view"


def test_f05_offsets_with_minutes_and_rollover(log_handler, s3):
    body = (b'192.0.2.30 - - [09/Mar/2024:23:50:00 +0530] "GET / HTTP/1.1" 200 10 "-" "UA-a"\n'
            b'192.0.2.31 - - [09/Mar/2024:23:50:00 +0545] "GET / HTTP/1.1" 200 10 "-" "UA-a"\n'
            b'192.0.2.32 - - [09/Mar/2024:23:50:00 -0930] "GET / HTTP/1.1" 200 10 "-" "UA-a"\n')

    run_log_handler(log_handler, s3, body)
    records = log_handler.firehose.delivered()

    assert [record["ts"] for record in records] == ["2024-03-09T18:20:00Z", "2024-03-09T18:05:00Z",
                                                    "2024-03-10T09:20:00Z"]
    assert [record["utc_offset"] for record in records] == ["+05:30", "+05:45", "-09:30"]
    assert records[2]["dt"] == "2024-03-10"


def test_f06_long_line_and_cut_last_line(log_handler, s3):
    long_line = (b'192.0.2.50 - - [01/Jan/2024:00:00:02 +0000] "GET /s?q=' + b"A" * 1_100_000
                 + b' HTTP/1.1" 414 0 "-" "UA"')
    body = (b'192.0.2.51 - - [01/Jan/2024:00:00:01 +0000] "GET /ok HTTP/1.1" 200 5 "-" "UA"\n' + long_line + b"\n"
            b'192.0.2.52 - - [01/Jan/2024:00:00:03 +0000] "GET /ok2 HTTP/1.1" 200 5 "-" "UA"\n'
            b'192.0.2.53 - - [01/Jan/2024:00:00:04 +0000] "GET /cut HTTP/1.1" 200 5 "-" "Mozil')

    result = run_log_handler(log_handler, s3, body)
    records = log_handler.firehose.delivered()
    quarantine = quarantined(s3)

    assert [record["path"] for record in records] == ["/ok", "/s", "/ok2"]
    assert records[1]["truncated"] is True
    assert records[1]["original_length"] == len(long_line)
    assert records[1]["original_sha256"] == hashlib.sha256(long_line).hexdigest()
    assert all(len(data) <= 1000 * 1024 for call in log_handler.firehose.calls for data in call)
    assert all(record["user_agent"] != "Mozil" for record in records)
    assert [(entry["offset"], entry["reason"]) for entry in quarantine] == [(4, "truncated_line")]
    assert base64.b64decode(quarantine[0]["raw_b64"]).endswith(b'"Mozil')
    assert result["lines_read"] == result["records_sent"] + result["quarantined"] + result["dead_lettered"]


def test_unparseable_line_quarantined_with_source(log_handler, s3):
    body = b'garbage line\n192.0.2.1 - - [01/Jan/2024:00:00:01 +0000] "GET / HTTP/1.1" 200 5 "-" "UA"\n'

    result = run_log_handler(log_handler, s3, body, key="access_logs/dt=2024-01-01/hour=00/plain.log", compress=False)
    entry, = quarantined(s3)

    assert result["records_sent"] == 1
    assert entry["reason"] == "unparseable_line"
    assert entry["offset"] == 1
    assert entry["source"] == "shoplake-raw/access_logs/dt=2024-01-01/hour=00/plain.log"
    assert base64.b64decode(entry["raw_b64"]) == b"garbage line"


def test_every_record_ends_with_newline(log_handler, s3):
    body = b'192.0.2.1 - - [01/Jan/2024:00:00:01 +0000] "GET / HTTP/1.1" 200 5 "-" "UA"\n' * 3

    run_log_handler(log_handler, s3, body)

    assert all(data.endswith(b"\n") and data.count(b"\n") == 1 for data in log_handler.firehose.calls[0])


def test_record_ids_repeat_on_reinvocation(log_handler, s3):
    body = b'192.0.2.1 - - [01/Jan/2024:00:00:01 +0000] "GET / HTTP/1.1" 200 5 "-" "UA"\n' * 2

    run_log_handler(log_handler, s3, body)
    run_log_handler(log_handler, s3, body)
    ids = [record["record_id"] for record in log_handler.firehose.delivered()]

    assert len(ids) == 4
    assert len(set(ids)) == 2
    assert ids[0] == hashlib.sha256(b"shoplake-raw/access_logs/dt=2024-01-01/hour=00/t.log.gz:1").hexdigest()


def test_event_types_follow_contract_rules(log_handler, s3):
    body = (b'192.0.2.1 - 42 [01/Jan/2024:00:00:01 +0000] "GET /click?target=/products/7&utm_source=news'
            b'&utm_medium=email&utm_campaign=C-3 HTTP/1.1" 302 0 "-" "Mozilla/5.0 (Windows NT 10.0)"\n'
            b'192.0.2.1 - - [01/Jan/2024:00:00:02 +0000] "POST /checkout HTTP/1.1" 200 5 "-" "UA"\n'
            b'192.0.2.1 - - [01/Jan/2024:00:00:03 +0000] "HEAD / HTTP/1.1" 200 5 "-" "UA"\n'
            b'192.0.2.1 - - [01/Jan/2024:00:00:04 +0000] "GET /robots.txt HTTP/1.1" 200 5 "-" "-"\n')

    run_log_handler(log_handler, s3, body)
    click, post, head, robots = log_handler.firehose.delivered()

    assert (click["event_type"], click["campaign_id"], click["utm_medium"], click["user_id"]) == \
        ("click", "C-3", "email", 42)
    assert click["is_bot"] is False
    assert post["event_type"] == "api"
    assert head["event_type"] == "probe"
    assert robots["event_type"] == "asset"
    assert robots["is_bot"] is True


def test_fast_split_matches_regex():
    from services.log_processor.parser import LINE_PATTERN, _split_plain

    lines = [
        '192.0.2.1 - 42 [01/Jan/2024:00:00:01 +0000] "GET /a?b=c HTTP/1.1" 200 5 "https://x.example/" "UA x"',
        '192.0.2.1 - - [01/Jan/2024:00:00:01 +0000] "" 400 0 "-" "-"',
        '192.0.2.1 - - [01/Jan/2024:00:00:01 +0000] "-" 408 - "-" "-" "extra field"',
        '192.0.2.1 - - [01/Jan/2024:00:00:01 +0000] "GET / HTTP/1.1" 200 5 "-" "Mozil',
        '192.0.2.1 - - [01/Jan/2024:00:00:01 +0000] "GET / HTTP/1.1" 200 5',
        '192.0.2.1 - - [01/Jan/2024:00:00:01 +0000] "GET / HTTP/1.1" 200 5 "-" "UA"x',
        '192.0.2.1  - - [01/Jan/2024:00:00:01 +0000] "GET / HTTP/1.1" 200 5 "-" "UA"',
        '192.0.2.1 - - [01/Jan/2024:00:00:01 +0000] "GET "/" HTTP/1.1" 200 5 "-" "UA"',
        'garbage',
    ]
    for line in lines:
        match = LINE_PATTERN.fullmatch(line)
        fast = _split_plain(line)
        assert fast is None or (match is not None and fast == match.groups()), line
    assert all(_split_plain(line) is not None for line in lines[:3])
