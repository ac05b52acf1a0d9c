"""CSV chunks for COPY FROM STDIN, and the S3 listing rule of the COPY emulation."""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from warehouse.copy_emulation import ChunkReader, csv_chunks, list_objects


class FakePaginator:
    def __init__(self, keys: list[str]) -> None:
        self.keys = keys

    def paginate(self, Bucket, Prefix):
        yield {"Contents": [{"Key": key} for key in self.keys[:2] if key.startswith(Prefix)]}
        yield {"Contents": [{"Key": key} for key in self.keys[2:] if key.startswith(Prefix)]}


class FakeS3:
    def __init__(self, keys: list[str]) -> None:
        self.keys = keys

    def get_paginator(self, name):
        return FakePaginator(self.keys)


def test_csv_keeps_null_empty_and_none_apart():
    table = pa.table({"coupon_code": [None, "", "None"], "n": [1, 2, 3]})

    text = b"".join(csv_chunks(table)).decode()

    assert text.splitlines() == [',1', '"",2', '"None",3']


def test_csv_writes_four_digit_years_and_quotes_newlines():
    table = pa.table({"d": pa.array([date(202, 4, 17)], pa.date32()), "s": ["two\nlines"]})

    text = b"".join(csv_chunks(table)).decode()

    assert text == '0202-04-17,"two\nlines"\n'


def test_csv_chunks_follow_batch_size():
    table = pa.table({"n": list(range(10))})

    assert len(list(csv_chunks(table, batch_rows=4))) == 3


def test_chunk_reader_returns_chunks_then_empty():
    reader = ChunkReader(iter([b"a,1\n", b"b,2\n"]))

    assert [reader.read(8192), reader.read(8192), reader.read(8192)] == [b"a,1\n", b"b,2\n", b""]


def test_list_objects_skips_hidden_names_across_pages():
    keys = ["x/dt=1/_SUCCESS", "x/dt=1/part-1.parquet", "x/dt=1/.part-1.parquet.crc", "x/dt=1/part-0.parquet",
            "x/dt=10/part-0.parquet", "x/dt=1/#tmp"]

    assert list_objects(FakeS3(keys), "b", "x/dt=1/") == ["x/dt=1/part-0.parquet", "x/dt=1/part-1.parquet"]
