"""PostgreSQL binary COPY data built from Arrow columns, vectorised with numpy and Arrow compute.

PostgreSQL receives binary values without parsing text: for fact_transactions
its backend spends about a third less CPU per row than on CSV (measured with
bench/bench_warehouse.py on 2 shared cores). Binary values must have exactly
the column's type. So `encode` accepts only Arrow types that convert to the
target type without loss, and returns None for anything else, in which case
the caller sends CSV and PostgreSQL parses it with its own rules. The layout is
the "binary" file format of PostgreSQL's COPY documentation. A header comes
first. Each row is a 16-bit field count, then per field a 32-bit length (-1 for
NULL) and the value in network byte order. A 16-bit -1 ends the data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
NULL_FIELD = b"\xff\xff\xff\xff"
# PostgreSQL counts dates and timestamps from 2000-01-01; Arrow from 1970-01-01.
POSTGRES_EPOCH_DAYS = 10_957
POSTGRES_EPOCH_MICROSECONDS = POSTGRES_EPOCH_DAYS * 86_400 * 1_000_000
NUMERIC_BASE_DIGITS = 4  # numeric stores base-10000 digits
NUMERIC_NEGATIVE = 0x4000
MAX_INT64_DECIMAL_PRECISION = 18
INTEGER_WIDTHS = {"int2": pa.int16(), "int4": pa.int32(), "int8": pa.int64()}
INTEGER_DTYPES = {"int2": ">i2", "int4": ">i4", "int8": ">i8"}

# A column's encoded fields as pieces that are joined row by row: numpy arrays hold fixed-width bytes per row
# (adjacent ones are merged before the join), Arrow binary arrays hold variable-width bytes.
Piece: TypeAlias = np.ndarray | pa.Array
Encoder = Callable[[pa.Array], list[Piece]]


def encode(table: pa.Table, column_types: list[str]) -> list[pa.Buffer] | None:
    """Return binary COPY data for `table` (one buffer per record batch, header and trailer included).

    `column_types` are the target columns' PostgreSQL type names (`udt_name`, such as int8), in table order.
    Return None when a column's Arrow type does not convert to its target type exactly.
    """
    encoders = [_encoder(field.type, type_name) for field, type_name in zip(table.schema, column_types, strict=True)]
    if any(encoder is None for encoder in encoders):
        return None

    chunks = []
    for batch in table.to_batches():
        pieces: list[Piece] = [np.full(batch.num_rows, len(encoders), dtype=">i2")]
        try:
            for encoder, column in zip(encoders, batch.columns, strict=True):
                pieces.extend(encoder(column))  # type: ignore[misc]
        except (pa.ArrowInvalid, OverflowError):
            return None
        chunks.append(_join_rows(pieces))
    return [pa.py_buffer(HEADER), *chunks, pa.py_buffer(TRAILER)]


def byte_chunks(buffers: list[pa.Buffer], size: int) -> Iterator[bytes]:
    """Yield the buffers' bytes in chunks of at most `size` bytes.

    Copying small chunks as they are sent reuses the same memory. One `bytes` copy of a whole 30 MB batch
    took about 15 ms of page faults, as long as the join that built it (measured on 2 shared cores).
    """
    for buffer in buffers:
        for start in range(0, buffer.size, size):
            yield buffer[start:start + size].to_pybytes()


def _encoder(arrow_type: pa.DataType, type_name: str) -> Encoder | None:
    """Return the function that encodes one Arrow column as binary fields of `type_name`, or None."""
    if pa.types.is_null(arrow_type):
        return _all_null
    if type_name in INTEGER_WIDTHS and pa.types.is_integer(arrow_type):
        return lambda column: _fixed(column.cast(INTEGER_WIDTHS[type_name]), INTEGER_DTYPES[type_name])
    if type_name == "bool" and pa.types.is_boolean(arrow_type):
        return lambda column: _fixed(column.cast(pa.uint8()), ">u1")
    if (type_name, arrow_type) in (("float8", pa.float64()), ("float4", pa.float32())):
        return lambda column: _fixed(column, ">f8" if type_name == "float8" else ">f4")
    if type_name == "date" and pa.types.is_date32(arrow_type):
        return _date
    if type_name in ("timestamp", "timestamptz") and pa.types.is_timestamp(arrow_type) \
            and (arrow_type.tz is None) == (type_name == "timestamp"):
        return _timestamp
    if type_name in ("text", "varchar", "bpchar") and (pa.types.is_string(arrow_type)
                                                      or pa.types.is_large_string(arrow_type)):
        return _text
    if type_name == "numeric" and pa.types.is_decimal128(arrow_type) \
            and 0 <= arrow_type.scale <= arrow_type.precision <= MAX_INT64_DECIMAL_PRECISION:
        return _numeric
    return None


def _fixed(column: pa.Array, dtype: str) -> list[Piece]:
    """Encode a fixed-width numeric column: length, then the value in network byte order."""
    values = column.fill_null(0).to_numpy(zero_copy_only=False)
    return _with_nulls(column, _length_prefixed(values.astype(dtype)))


def _date(column: pa.Array) -> list[Piece]:
    days = column.cast(pa.int32()).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    return _with_nulls(column, _length_prefixed((days - POSTGRES_EPOCH_DAYS).astype(">i4")))


def _timestamp(column: pa.Array) -> list[Piece]:
    """Encode timestamps as microseconds since 2000-01-01; a unit finer than microseconds must divide exactly."""
    micros = column.cast(pa.timestamp("us", column.type.tz), safe=True).cast(pa.int64())
    values = micros.fill_null(0).to_numpy(zero_copy_only=False)
    if len(values) and (values.min() < np.iinfo(np.int64).min + POSTGRES_EPOCH_MICROSECONDS):
        raise OverflowError("timestamp before the representable range")
    return _with_nulls(column, _length_prefixed((values - POSTGRES_EPOCH_MICROSECONDS).astype(">i8")))


def _text(column: pa.Array) -> list[Piece]:
    """Encode text as two pieces: the length (-1 for NULL), then the UTF-8 bytes (none for NULL)."""
    lengths = pc.binary_length(column).fill_null(-1).to_numpy(zero_copy_only=False).astype(">i4")
    values = column.cast(pa.binary())
    return [lengths, values.fill_null(b"") if values.null_count else values]


def _numeric(column: pa.Array) -> list[Piece]:
    """Encode decimal128 values of up to 18 digits as numeric: fixed digit groups, PostgreSQL strips zeros."""
    precision, scale = column.type.precision, column.type.scale
    unscaled = _unscaled_int64(column)
    negative = unscaled < 0
    magnitude = np.abs(unscaled)

    fraction_groups = -(-scale // NUMERIC_BASE_DIGITS)
    integer_groups = max(1, -(-(precision - scale) // NUMERIC_BASE_DIGITS))
    integer_part, fraction = np.divmod(magnitude, 10 ** scale)
    fraction = fraction * 10 ** (fraction_groups * NUMERIC_BASE_DIGITS - scale)
    groups = integer_groups + fraction_groups

    record = np.zeros(len(column), dtype=[("length", ">i4"), ("ndigits", ">i2"), ("weight", ">i2"),
                                          ("sign", ">u2"), ("dscale", ">i2"), ("digits", ">i2", (groups,))])
    record["length"] = 8 + 2 * groups
    record["ndigits"] = groups
    record["weight"] = integer_groups - 1
    record["sign"] = np.where(negative, NUMERIC_NEGATIVE, 0)
    record["dscale"] = scale
    for index in range(integer_groups):
        integer_part, record["digits"][:, integer_groups - 1 - index] = np.divmod(integer_part, 10_000)
    if integer_part.any():
        raise OverflowError(f"a value has more integer digits than decimal({precision}, {scale}) allows")
    for index in range(fraction_groups):
        fraction, record["digits"][:, groups - 1 - index] = np.divmod(fraction, 10_000)
    return _with_nulls(column, record)


def _unscaled_int64(column: pa.Array) -> np.ndarray:
    """Return the unscaled values of a decimal128 column of at most 18 digits (NULL as 0)."""
    filled = column.fill_null(pa.scalar(0, column.type)) if column.null_count else column
    words = np.frombuffer(filled.buffers()[1], dtype="<i8", count=2 * (filled.offset + len(filled)))
    return words[2 * filled.offset::2].astype(np.int64)


def _all_null(column: pa.Array) -> list[Piece]:
    return [np.full(len(column), -1, dtype=">i4")]


def _length_prefixed(values: np.ndarray) -> np.ndarray:
    """Prefix each big-endian value with its byte length."""
    record = np.empty(len(values), dtype=[("length", ">i4"), ("value", values.dtype)])
    record["length"] = values.dtype.itemsize
    record["value"] = values
    return record


def _with_nulls(column: pa.Array, fields: np.ndarray) -> list[Piece]:
    """Return fixed-width fields as they are, or as variable-width fields with NULL_FIELD where `column` is null."""
    if not column.null_count:
        return [fields]
    return [pc.if_else(column.is_valid(), _binary(_byte_rows(fields)), pa.scalar(NULL_FIELD, pa.binary()))]


def _join_rows(pieces: list[Piece]) -> pa.Buffer:
    """Concatenate the pieces row by row and return the rows' bytes, end to end.

    Adjacent fixed-width pieces are first merged into one, because Arrow's row-wise join costs time per
    piece and row.
    """
    runs: list[list[np.ndarray] | pa.Array] = []
    for piece in pieces:
        if not isinstance(piece, np.ndarray):
            runs.append(piece)
        elif runs and isinstance(runs[-1], list):
            runs[-1].append(piece)
        else:
            runs.append([piece])
    merged = [_merge_fixed(run) if isinstance(run, list) else run for run in runs]
    if len(merged) == 1 and isinstance(merged[0], np.ndarray):
        return pa.py_buffer(merged[0])

    arrays = [_binary(_byte_rows(piece)) if isinstance(piece, np.ndarray) else piece for piece in merged]
    rows = pc.binary_join_element_wise(*arrays, b"")
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32, count=rows.offset + len(rows) + 1)
    start, end = int(offsets[rows.offset]), int(offsets[-1])
    return rows.buffers()[2][start:end] if end > start else pa.py_buffer(b"")


def _merge_fixed(run: list[np.ndarray]) -> np.ndarray:
    """Return one packed structured array whose records are the run's values side by side.

    The values are copied as opaque bytes (numpy void types), which is several times faster than copying
    big-endian fields or columns of a uint8 matrix.
    """
    if len(run) == 1:
        return run[0]
    widths = [piece.dtype.itemsize for piece in run]
    block = np.empty(len(run[0]), dtype=[(f"f{index}", f"V{width}") for index, width in enumerate(widths)])
    for index, (piece, width) in enumerate(zip(run, widths, strict=True)):
        block[f"f{index}"] = piece.view(f"V{width}")
    return block


def _byte_rows(values: np.ndarray) -> np.ndarray:
    """View a one-dimensional numpy array as a two-dimensional uint8 array: one row of bytes per value."""
    return np.ascontiguousarray(values).view(np.uint8).reshape(len(values), values.dtype.itemsize)


def _binary(rows: np.ndarray) -> pa.Array:
    """Return the rows of a two-dimensional uint8 array as an Arrow binary array, one value per row."""
    block = np.ascontiguousarray(rows)
    fixed = pa.FixedSizeBinaryArray.from_buffers(pa.binary(block.shape[1]), len(block), [None, pa.py_buffer(block)])
    return fixed.cast(pa.binary())
