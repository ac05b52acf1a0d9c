"""Parse Apache and Nginx combined-format access-log lines into staged JSON records.

Most lines take a fast path: one compiled regular expression (COMMON_LINE)
accepts only the usual shape, and its groups go into the record without
further checks. The usual shape has no backslash, a status from 100 to 599,
and a byte count and user id that are decimal or `-`. Every other line goes
through the general path, which splits plain lines with `str` methods and lines
with escapes with LINE_PATTERN, whose quoted fields accept Apache's `\\"` and
nginx's `\\x22` escapes. Both paths give the same record for a line that
COMMON_LINE accepts, as a unit test checks. Records are encoded by hand with the
C string escaper of the `json` module, because `json.dumps` of a 30-field dict
costs about as much per line as everything else together (measured with Python
3.11).
"""

from __future__ import annotations

import hashlib
import re
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any, NamedTuple

from services.log_processor import classify
from services.log_processor.clients import ClientAddressHasher
from services.log_processor.timestamps import InvalidTimestamp, TimestampConverter

# Maximum length of a path, query, referrer or user agent in a record. Longer values are cut and the record is
# flagged `truncated` with the original line's length and SHA-256, so every record stays far below Firehose's
# 1,000 KiB record limit.
MAX_FIELD_CHARS = 8192

_QUOTED = r'"([^"\\]*(?:\\.[^"\\]*)*)"'
LINE_PATTERN = re.compile(
    r"(\S+) (\S+) (\S+) \[([^\]]*)\] " + _QUOTED + r" (\S+) (\S+)"
    r"(?: " + _QUOTED + " " + _QUOTED + r"(?: .*)?)?"
)
# The usual line, whose groups are host, user, time, request, status, bytes, referrer and user agent. The user
# and the byte count are `-` or a decimal below 10**18 without a leading zero, so a decimal is already JSON. It
# is only used on lines without a backslash: `[^"]*` runs about twice as fast as `[^"\\]*` in `re`.
COMMON_LINE = re.compile(
    r'(\S+) \S+ (-|0|[1-9][0-9]{0,17}) \[([^\]]*)\] "([^"]*)" ([1-5][0-9][0-9]) (-|0|[1-9][0-9]{0,17}) '
    r'"([^"]*)" "([^"]*)"'
)
_ESCAPE = re.compile(r"\\x([0-9a-fA-F]{2})|\\(.)")
_PROTOCOLS = {"HTTP/2.0": "HTTP/2", "HTTP/3.0": "HTTP/3"}
CACHE_LIMIT = 50_000


class RejectedLine(Exception):
    """A line that cannot become a record; `reason` is the quarantine reason code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class EncodedRecord(NamedTuple):
    """One staged record: its JSON line (ending in a newline), partition date and truncation flag."""

    data: bytes
    dt: str
    truncated: bool


# Builds an EncodedRecord from a tuple in C, about half the cost of the Python-level NamedTuple constructor.
_new_record = tuple.__new__


def _unescape(value: str) -> str:
    """Undo the web servers' escapes: `\\xHH` to the character, `\\"` and `\\\\` to the escaped character."""
    if "\\" not in value:
        return value
    return _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)) if match.group(1) else match.group(2), value)


def _json(value: str | None) -> str:
    return "null" if value is None else encode_basestring_ascii(value)


def _json_int(value: int | None) -> str:
    return "null" if value is None else str(value)


class AccessLogParser:
    """Turn lines of one object into encoded records; keeps caches across lines and objects.

    Most of a record repeats across lines (the time of a busy second, the client, the request, the user
    agent), so each part is encoded once per distinct input text and cached as a JSON fragment.
    """

    def __init__(self, ip_hash_key: bytes) -> None:
        self.timestamps = TimestampConverter()
        self.clients = ClientAddressHasher(ip_hash_key)
        self._time_fragments: dict[str, tuple[str, str]] = {}
        self._minute_fragments: dict[str, tuple[str, str, str, str]] = {}
        self._client_fragments: dict[str, str] = {}
        self._request_fragments: dict[str, tuple[str, str]] = {}
        self._agent_fragments: dict[str | None, str] = {}
        self._referrer_fragments: dict[str | None, str] = {}
        self._status_fragments: dict[str, str] = {}
        self._source = ""
        self._source_json = '""'
        self._record_id_prefix = b":"

    def encode_line(self, line: str, raw_length: int, source: str, line_number: int) -> EncodedRecord:
        """Return the record of one line; raise RejectedLine with a reason code.

        `line` comes without its line end. `source` is `bucket/key`, and `raw_length` is the line's length in
        bytes, which the record keeps when fields are truncated.
        """
        match = COMMON_LINE.fullmatch(line) if len(line) <= MAX_FIELD_CHARS and "\\" not in line else None
        if match is not None:
            host, remote_user, time_text, request, status_text, size, referrer, agent = match.groups()
        else:
            fields = _uncommon_fields(line)
            if len(line) > MAX_FIELD_CHARS:
                return self._encode_long_line(line, raw_length, source, line_number)
            host, remote_user, time_text, request, status_text, size, referrer, agent = fields

        # Cache hits are looked up inline: a method call per field costs more than the lookup itself.
        time_fragment, dt = self._time_fragments.get(time_text) or self._time_fragment(time_text)
        request_fragment, query_user_id = self._request_fragments.get(request) or self._request_fragment(request)
        client = self._client_fragments.get(host) or self._client_fragment(host)
        agent_fragment = self._agent_fragments.get(agent) or self._agent_fragment(agent)
        referrer_fragment = self._referrer_fragments.get(referrer) or self._referrer_fragment(referrer)
        status = self._status_fragments.get(status_text) or self._status_fragment(status_text)
        user_id = query_user_id if remote_user == "-" else remote_user
        if size == "-":
            size = "0"
        if source != self._source:
            self._set_source(source)
        record_id = hashlib.sha256(self._record_id_prefix + str(line_number).encode()).hexdigest()

        text = (
            f'{{"record_id":"{record_id}","source_key":{self._source_json},"line_number":{line_number},'
            f'{time_fragment},{client},"user_id":{user_id},{request_fragment},{status},"bytes":{size},'
            f'"referrer":{referrer_fragment},{agent_fragment},'
            '"truncated":false,"original_length":null,"original_sha256":null}\n'
        )
        return _new_record(EncodedRecord, (text.encode("ascii"), dt, False))

    def _set_source(self, source: str) -> None:
        """Keep the JSON text of `source` and the start of its record ids' SHA-256 input (`bucket/key:`)."""
        self._source = source
        self._source_json = encode_basestring_ascii(source)
        self._record_id_prefix = f"{source}:".encode()

    def _encode_long_line(self, line: str, raw_length: int, source: str, line_number: int) -> EncodedRecord:
        """Encode a line longer than MAX_FIELD_CHARS: cut long fields and flag the record, without caching."""
        match = LINE_PATTERN.fullmatch(line)
        assert match is not None
        host, _ident, remote_user, time_text, request, status_text, bytes_text, referrer, agent = match.groups()
        time_fragment, dt = self._time_fragment(time_text)
        method, path, query, protocol = _split_request(_unescape(request))
        referrer = _optional(referrer)
        agent = _optional(agent)
        values = [_cut(value) for value in (path, query, referrer, agent)]
        truncated = values != [path, query, referrer, agent]
        path, query, referrer, agent = values

        record = {
            "method": method, "path": path, "query": query, "protocol": protocol,
            "parameters": classify.query_parameters(query) if query else {},
        }
        request_fragment, query_user_id = _encode_request(record)
        user_id = (_json_int(int(remote_user)) if remote_user.isdecimal() and len(remote_user) < 19
                   else query_user_id)
        record_id = hashlib.sha256(f"{source}:{line_number}".encode()).hexdigest()
        original = (f'{raw_length},"original_sha256":"{hashlib.sha256(line.encode()).hexdigest()}"'
                    if truncated else 'null,"original_sha256":null')
        text = (
            f'{{"record_id":"{record_id}","source_key":{encode_basestring_ascii(source)},'
            f'"line_number":{line_number},{time_fragment},{self._client_fragment(host)},'
            f'"user_id":{user_id},{request_fragment},{self._status_fragment(status_text)},'
            f'"bytes":{_json_int(_bytes(bytes_text))},"referrer":{_json(referrer)},{_encode_agent(agent)},'
            f'"truncated":{"true" if truncated else "false"},"original_length":{original}}}\n'
        )
        return EncodedRecord(text.encode("ascii"), dt, truncated)

    def _time_fragment(self, time_text: str) -> tuple[str, str]:
        """Encode the time fields; in a minute already seen, only the two second digits are checked and pasted in.

        Offsets are whole minutes, so a time's UTC second is its local second, and the rest of the text was
        validated with the minute.
        """
        cached = self._time_fragments.get(time_text)
        if cached is not None:
            return cached

        minute_key = time_text[:18] + time_text[20:]
        seconds = time_text[18:20]
        minute = self._minute_fragments.get(minute_key)
        if minute is not None and seconds.isascii() and seconds.isdigit() and seconds < "60":
            ts_start, local_start, rest, dt = minute
            fragment = ts_start + seconds + local_start + seconds + rest
            return _remember(self._time_fragments, time_text, (fragment, dt))

        try:
            ts, dt, utc_offset = self.timestamps.convert(time_text)
        except InvalidTimestamp as exc:
            raise RejectedLine("invalid_timestamp", str(exc)) from None
        local = encode_basestring_ascii(time_text)
        fragment = f'"ts":"{ts}","dt":"{dt}","ts_local":{local},"utc_offset":"{utc_offset}"'
        if local == f'"{time_text}"':
            parts = (f'"ts":"{ts[:-3]}', f'Z","dt":"{dt}","ts_local":"{time_text[:18]}',
                     f'{time_text[20:]}","utc_offset":"{utc_offset}"', dt)
            _remember(self._minute_fragments, minute_key, parts)
        return _remember(self._time_fragments, time_text, (fragment, dt))

    def _client_fragment(self, host: str) -> str:
        cached = self._client_fragments.get(host)
        if cached is not None:
            return cached
        client = self.clients.address(host)
        fragment = (f'"client_ip_hash":{_json(client.ip_hash)},"ip_version":{_json_int(client.ip_version)},'
                    f'"ip_flag":{_json(client.ip_flag)},"ip_zone":{_json(client.zone)}')
        return _remember(self._client_fragments, host, fragment)

    def _request_fragment(self, request: str) -> tuple[str, str]:
        cached = self._request_fragments.get(request)
        if cached is not None:
            return cached
        method, path, query, protocol = _split_request(_unescape(request))
        record = {"method": method, "path": path, "query": query, "protocol": protocol,
                  "parameters": classify.query_parameters(query) if query else {}}
        return _remember(self._request_fragments, request, _encode_request(record))

    def _agent_fragment(self, agent: str | None) -> str:
        cached = self._agent_fragments.get(agent)
        if cached is not None:
            return cached
        return _remember(self._agent_fragments, agent, _encode_agent(_optional(agent)))

    def _referrer_fragment(self, referrer: str | None) -> str:
        fragment = "null" if referrer is None or referrer == "-" else encode_basestring_ascii(_unescape(referrer))
        return _remember(self._referrer_fragments, referrer, fragment)

    def _status_fragment(self, text: str) -> str:
        status, flag = _status(text)
        return _remember(self._status_fragments, text, f'"status":{_json_int(status)},"status_flag":{_json(flag)}')


def split_fields(line: str) -> tuple[str, ...] | None:
    """Split a combined-format line into its nine fields, or return None when it does not match.

    Lines without a backslash or tab are split with `str` methods, which is faster than the regular
    expression and gives the same fields, as a unit test checks. Other lines, and lines the fast split
    cannot place, go through LINE_PATTERN.
    """
    if "\\" not in line and "\t" not in line:
        fields = _split_plain(line)
        if fields is not None:
            return fields
    match = LINE_PATTERN.fullmatch(line)
    return None if match is None else match.groups()


def _uncommon_fields(line: str) -> tuple[str, ...]:
    """Split a line that COMMON_LINE does not accept into the eight fields of a COMMON_LINE match.

    The user becomes `-` unless it is a JSON-safe decimal, and the byte count becomes JSON text, as in a
    COMMON_LINE match. Raise RejectedLine when the line does not match the combined log format.
    """
    fields = split_fields(line)
    if fields is None:
        raise RejectedLine("unparseable_line", "line does not match the combined log format")
    host, _ident, remote_user, time_text, request, status_text, bytes_text, referrer, agent = fields
    size = _decimal_text(bytes_text) or _json_int(_bytes(bytes_text))
    return host, _decimal_text(remote_user) or "-", time_text, request, status_text, size, referrer, agent


def _split_plain(line: str) -> tuple[str, ...] | None:
    parts = line.split(" ", 3)
    if len(parts) != 4 or not all(parts[:3]):
        return None
    host, ident, user, rest = parts
    close = rest.find('] "')
    end = rest.find('" ', close + 3)
    if rest[:1] != "[" or close < 0 or end < 0 or "]" in rest[1:close]:
        return None
    tail = rest[end + 2:].split(" ", 2)
    if len(tail) != 3 or not tail[0] or not tail[1] or tail[2][:1] != '"':
        return None
    status, size, quoted = tail
    referrer_end = quoted.find('" "', 1)
    agent_end = quoted.find('"', referrer_end + 3)
    if referrer_end < 0 or agent_end < 0 or (len(quoted) > agent_end + 1 and quoted[agent_end + 1] != " "):
        return None
    request = rest[close + 3:end]
    if '"' in request or '"' in quoted[1:referrer_end]:
        return None
    return (host, ident, user, rest[1:close], request, status, size, quoted[1:referrer_end],
            quoted[referrer_end + 3:agent_end])


def _decimal_text(text: str) -> str | None:
    """Return `text` when it is a JSON-safe decimal integer below 10**18 (no sign, no leading zero), else None."""
    if text.isdecimal() and len(text) < 19 and (text[0] != "0" or len(text) == 1) and text.isascii():
        return text
    return None


def _remember(cache: dict, key: Any, value: Any) -> Any:
    """Store `value` under `key`, emptying the cache first when it is full; return `value`."""
    if len(cache) >= CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


def _optional(value: str | None) -> str | None:
    """Return a quoted field's value unescaped, or None for a missing field or `-`."""
    return None if value is None or value == "-" else _unescape(value)


def _cut(value: str | None) -> str | None:
    return value[:MAX_FIELD_CHARS] if value is not None and len(value) > MAX_FIELD_CHARS else value


def _split_request(request: str) -> tuple[str | None, str | None, str | None, str | None]:
    """Split `METHOD target PROTOCOL` into method, path, query, protocol; `-` or empty gives four nulls."""
    if request in ("-", ""):
        return None, None, None, None
    method, _, rest = request.partition(" ")
    target, _, protocol = rest.rpartition(" ")
    if not target:
        # A request line without a protocol (HTTP/0.9 style: `GET /`).
        target, protocol = protocol, ""
    path, mark, query = target.partition("?")
    return method, path, query if mark else None, _PROTOCOLS.get(protocol, protocol) or None


def _encode_request(record: dict[str, Any]) -> tuple[str, str]:
    """Encode the request's fields and the ids in its path and query; also return the query's user id as JSON."""
    method, path, parameters = record["method"], record["path"], record["parameters"]
    fragment = (
        f'"method":{_json(method)},"path":{_json(path)},"query":{_json(record["query"])},'
        f'"protocol":{_json(record["protocol"])},"event_type":"{classify.event_type(method, path)}",'
        f'"product_id":{_json(classify.product_id(path, parameters))},'
        f'"campaign_id":{_json(parameters.get("utm_campaign") or parameters.get("campaign_id"))},'
        f'"utm_source":{_json(parameters.get("utm_source"))},"utm_medium":{_json(parameters.get("utm_medium"))}'
    )
    return fragment, _json_int(classify.user_id("", parameters))


def _encode_agent(agent: str | None) -> str:
    device = classify.device_class(agent)
    return (f'"user_agent":{_json(agent)},"device_class":"{device}",'
            f'"is_bot":{"true" if device == "bot" else "false"}')


def _status(text: str) -> tuple[int | None, str | None]:
    if text == "-":
        return None, "missing"
    if text.isdecimal() and len(text) == 3 and "100" <= text <= "599":
        return int(text), None
    return None, "invalid"


def _bytes(text: str) -> int | None:
    if text == "-":
        return 0
    return int(text) if text.isdecimal() else None
