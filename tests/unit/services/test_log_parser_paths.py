"""The parser's fast path (COMMON_LINE and the per-minute time cache) against its general path and known values."""

from __future__ import annotations

import json
import re

import pytest

from services.log_processor import parser as parser_module
from services.log_processor.parser import COMMON_LINE, AccessLogParser, RejectedLine

SOURCE = "shoplake-raw/access_logs/dt=2024-01-01/hour=00/web-apache-01.access.log-2024010100.gz"
KEY = b"test-key"

LINES = [
    '192.0.2.1 - 42 [01/Jan/2024:00:00:01 +0000] "GET /products/7?utm_campaign=C-1&uid=9 HTTP/1.1" 200 5 '
    '"https://x.example/" "Mozilla/5.0 (iPhone) Mobile"',
    '192.0.2.1 - - [01/Jan/2024:00:00:01 +0000] "GET /click?target=/&utm_campaign=C-2&uid=9 HTTP/2.0" 302 - "-" "-"',
    '192.0.2.2 - 0 [01/Jan/2024:00:00:02 -0930] "HEAD / HTTP/1.1" 304 0 "-" "curl/8.0.1"',
    '192.0.2.3 - 007 [01/Jan/2024:00:00:03 +0545] "GET / HTTP/1.1" 200 007 "" ""',
    '192.0.2.4 - alice [01/Jan/2024:00:00:04 +0000] "" 400 12345678901234567890 "-" "UA"',
    '192.0.2.5 - - [01/Jan/2024:00:00:05 +0000] "-" 408 - "-" "-" "extra field"',
    '192.0.2.6 - - [01/Jan/2024:00:00:06 +0000] "GET / HTTP/1.1" 600 5 "-" "UA"',
    '192.0.2.7 - - [01/Jan/2024:00:00:07 +0000] "GET / HTTP/1.1" - 5 "-" "UA"',
    '192.0.2.8 - - [01/Jan/2024:00:00:08 +0000] "GET /a?q=\\"x\\" HTTP/1.1" 200 5 "-" "Pad 8\\x22 Build"',
    'fe80::1%eth0 - - [01/Jan/2024:00:00:09 +0000] "GET /é HTTP/1.1" 200 5 "-" "UA ü"',
    'not-an-address - - [01/Jan/2024:00:00:10 +0000] "GET / HTTP/1.1" 200 5 "-" "UA"',
    '192.0.2.9\t- - [01/Jan/2024:00:00:11 +0000] "GET / HTTP/1.1" 200 5 "-" "UA"',
    '192.0.2.9 - - [01/Jan/2024:00:00:12 +0000] "GET / HTTP/1.1" 200 5',
    '192.0.2.9 - - [01/Jan/2024:00:00:13 +0000] "GET / HTTP/1.1" 200 5 "-" "Mozil',
]


def _encoded(parser: AccessLogParser, line: str, number: int) -> bytes | str:
    """Return the record bytes of one line, or the reason code it was rejected with."""
    try:
        return parser.encode_line(line, len(line.encode()), SOURCE, number).data
    except RejectedLine as exc:
        return exc.reason


def test_fast_path_matches_general_path(monkeypatch):
    fast, general = AccessLogParser(KEY), AccessLogParser(KEY)

    expected = [_encoded(fast, line, number) for number, line in enumerate(LINES, start=1)]
    monkeypatch.setattr(parser_module, "COMMON_LINE", re.compile(r"(?!)"))
    actual = [_encoded(general, line, number) for number, line in enumerate(LINES, start=1)]

    for line, fast_record, general_record in zip(LINES, expected, actual, strict=True):
        assert fast_record == general_record, line


def test_common_line_accepts_usual_lines_only():
    accepted = [line for line in LINES if "\\" not in line and COMMON_LINE.fullmatch(line)]

    assert accepted == LINES[:3] + LINES[9:11]


def test_fast_path_known_values():
    parser = AccessLogParser(KEY)

    record = json.loads(parser.encode_line(LINES[0], 200, SOURCE, 3).data)
    dashes = json.loads(parser.encode_line(LINES[1], 200, SOURCE, 4).data)

    assert (record["ts"], record["dt"], record["utc_offset"]) == ("2024-01-01T00:00:01Z", "2024-01-01", "+00:00")
    assert (record["user_id"], record["status"], record["status_flag"], record["bytes"]) == (42, 200, None, 5)
    assert (record["product_id"], record["campaign_id"], record["device_class"]) == ("7", "C-1", "mobile")
    assert record["source_key"] == SOURCE
    assert (dashes["user_id"], dashes["bytes"], dashes["protocol"]) == (9, 0, "HTTP/2")
    assert (dashes["referrer"], dashes["user_agent"], dashes["is_bot"]) == (None, None, True)


@pytest.mark.parametrize(("seconds", "expected"), [
    ("59", "2024-03-10T09:20:59Z"),
    ("60", "invalid_timestamp"),
    ("5x", "invalid_timestamp"),
    (" 7", "2024-03-10T09:20:07Z"),
])
def test_minute_cache_checks_seconds(seconds, expected):
    warm, cold = AccessLogParser(KEY), AccessLogParser(KEY)
    line = '192.0.2.32 - - [09/Mar/2024:23:50:{} -0930] "GET / HTTP/1.1" 200 10 "-" "UA-a"'
    warm.encode_line(line.format("00"), 80, SOURCE, 1)

    results = []
    for parser in (warm, cold):
        outcome = _encoded(parser, line.format(seconds), 2)
        results.append(json.loads(outcome)["ts"] if isinstance(outcome, bytes) else outcome)

    assert results == [expected, expected]
