"""A cut gzip object keeps its readable lines and quarantines the rest instead of failing the run."""

from __future__ import annotations

import gzip
import io

import pytest

from services.log_processor.reader import open_lines
from tests.unit.services.conftest import quarantined, run_log_handler

LINES = 40_000


def _line(index: int) -> bytes:
    return (f'192.0.2.10 - 17 [02/Nov/2026:10:00:00 +0000] "GET /products/P-{index:05d} HTTP/1.1" 200 512 "-" '
            f'"Mozilla/5.0"\n').encode()


def _cut_gzip(lines: int) -> bytes:
    # Lines that differ keep the compressed object large, so its first half contains complete lines.
    whole = gzip.compress(b"".join(_line(index) for index in range(lines)))
    return whole[: len(whole) // 2]


def test_plain_reader_raises_on_cut_gzip():
    with pytest.raises(EOFError):
        list(open_lines(io.BytesIO(_cut_gzip(LINES))))


def test_cut_gzip_is_quarantined_and_counts_balance(log_handler, s3):
    result = run_log_handler(log_handler, s3, _cut_gzip(LINES), compress=False)

    counts = result["objects"][0] if "objects" in result else result
    assert counts["quarantine_reasons"] == {"corrupt_object": 1}
    assert 0 < counts["records_sent"] < LINES
    assert counts["lines_read"] == counts["records_sent"] + counts["quarantined"] + counts["dead_lettered"]
    records = quarantined(s3)
    assert [record["reason"] for record in records] == ["corrupt_object"]
