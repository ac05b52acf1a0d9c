"""Split delivered Firehose objects into JSON records.

Firehose concatenates records exactly as producers sent them. Producers in this project end every
record with a newline, but objects written by other producers may hold `{...}{...}` with no separator,
so readers split on JSON values, not on lines.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\r\n"


def iter_json_records(body: bytes) -> Iterator[dict[str, Any]]:
    """Yield each JSON object of an object body (gzip detected by its magic bytes)."""
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    text = body.decode("utf-8")
    position = 0
    while True:
        while position < len(text) and text[position] in _WHITESPACE:
            position += 1
        if position >= len(text):
            return
        value, position = _DECODER.raw_decode(text, position)
        yield value
