"""Parse one product-catalog CSV file of any common dialect into typed rows and rejects.

Plain Python, so the rules are unit-testable; the catalog job calls it once per file on the executors.
Handled: a UTF-8 (or UTF-16) byte-order mark, CRLF/LF/CR line ends, `,` `;` tab or `|` delimiters,
quoted fields with newlines and doubled quotes, header names in any order and case.
"""

from __future__ import annotations

import base64
import csv
import io
import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

REQUIRED_COLUMNS = ("sku", "name", "price")
OPTIONAL_COLUMNS = ("description", "category", "currency", "updated_at")
DELIMITERS = (",", ";", "\t", "|")
MAX_PRICE = Decimal("9999999999.99")  # decimal(12,2)
LINE_BREAK = re.compile(r"\r\n|\n|\r")


def parse_catalog_file(source: str, data: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return (rows, rejects) for one file; every data record ends up in exactly one of the two lists.

    A file that cannot be decoded, has no header or lacks a required column is rejected whole:
    each of its records is rejected with the file's reason (the undecodable file as one record).
    """
    try:
        text = decode(data)
    except UnicodeDecodeError as exc:
        return [], [reject(source, 0, "undecodable_file", f"not UTF-8 or UTF-16: {exc.reason}", data)]

    delimiter = detect_delimiter(text)
    records = list(read_records(text, delimiter))
    if not records:
        return [], [reject(source, 0, "empty_file", "the file has no header line", data)]

    (_, _, header_fields), data_records = records[0], records[1:]
    header = [name.strip().lstrip("\ufeff").strip().lower() for name in header_fields]
    problem = check_header(header)
    if problem:
        reason, detail = problem
        return [], [reject(source, line, reason, detail, raw.encode()) for line, raw, _ in data_records]

    rows, rejects = [], []
    for line, raw, fields in data_records:
        row, error = build_row(header, fields)
        if error:
            rejects.append(reject(source, line, error[0], error[1], raw.encode()))
        else:
            rows.append(row | {"source_file": source, "source_line": line})
    return rows, rejects


def decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


def detect_delimiter(text: str) -> str:
    """Pick the candidate delimiter that occurs most often, outside quotes, in the header line."""
    header_line = LINE_BREAK.split(text, maxsplit=1)[0]
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {delimiter: unquoted.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def read_records(text: str, delimiter: str):
    """Yield (first line number, raw text, fields) per CSV record, skipping blank lines."""
    lines = LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    previous_end = 0
    for fields in reader:
        start, end = previous_end + 1, reader.line_num
        previous_end = end
        if not fields or fields == [""]:
            continue
        yield start, "\n".join(lines[start - 1:end]), fields


def check_header(header: list[str]) -> tuple[str, str] | None:
    duplicated = sorted({name for name in header if header.count(name) > 1 and name})
    if duplicated:
        return "duplicate_column", f"header names {', '.join(duplicated)} more than once"
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        return "missing_required_column", f"header lacks {', '.join(missing)}; found {', '.join(header)}"
    return None


def build_row(header: list[str], fields: list[str]) -> tuple[dict[str, Any], tuple[str, str] | None]:
    """Return the typed row, or an empty row and (reason, detail)."""
    if len(fields) != len(header):
        return {}, ("wrong_field_count", f"expected {len(header)} fields, found {len(fields)}")
    values = {name: (value.strip() or None) for name, value in zip(header, fields, strict=True)}

    for name in ("sku", "name"):
        if values.get(name) is None:
            return {}, ("missing_required_field", f"{name} is empty")
    if values["price"] is None:
        return {}, ("missing_required_field", "price is empty")
    price = parse_price(values["price"])
    if price is None:
        return {}, ("invalid_price", f"price {values['price']!r} is not a non-negative amount with at most 2 decimals")
    currency = values.get("currency")
    if currency is not None and not re.fullmatch(r"[A-Za-z]{3}", currency):
        return {}, ("invalid_currency", f"currency {currency!r} is not an ISO 4217 code")
    updated_at = values.get("updated_at")
    parsed_updated_at = parse_timestamp(updated_at) if updated_at else None
    if updated_at and parsed_updated_at is None:
        return {}, ("invalid_timestamp", f"updated_at {updated_at!r} is not an ISO 8601 timestamp")

    row = {
        "sku": values["sku"],
        "name": values["name"],
        "description": values.get("description"),
        "category": values.get("category"),
        "price": price,
        "currency": currency.upper() if currency else None,
        "updated_at": parsed_updated_at,
    }
    return row, None


def parse_price(text: str | None) -> Decimal | None:
    """Parse `89.90`, `89,90`, `1,234.50` or `1.234,50`; return None when invalid or out of range."""
    if text is None:
        return None
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." in cleaned:
        thousands = "," if cleaned.rfind(".") > cleaned.rfind(",") else "."
        cleaned = cleaned.replace(thousands, "")
    cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d{1,2})?", cleaned):
        return None
    try:
        amount = Decimal(cleaned).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None
    return amount if amount <= MAX_PRICE else None


def parse_timestamp(text: str) -> datetime | None:
    """Parse ISO 8601 or `DD.MM.YYYY HH:MM`; a value without an offset is UTC. Returns a naive UTC datetime."""
    european = re.fullmatch(r"(\d{2})\.(\d{2})\.(\d{4})[ T](\d{2}):(\d{2})(?::(\d{2}))?", text.strip())
    if european:
        day, month, year, hour, minute, second = european.groups()
        try:
            return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
        except ValueError:
            return None
    candidate = text.strip().replace(" ", "T", 1)
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def reject(source: str, line: int, reason: str, detail: str, raw: bytes) -> dict[str, Any]:
    return {
        "stage": "catalog",
        "source": source,
        "offset": str(line),
        "reason": reason,
        "detail": detail,
        "raw_b64": base64.b64encode(raw).decode("ascii"),
    }
