"""Range checks and four-digit-year formatting of dates and timestamps, including years Python cannot hold.

The warehouse accepts years 0001 to 9999: Python's datetime, Spark and the BI
tools all handle them, and every year is written with four digits
(`0202-04-17`). Year 0 and ±infinity are rejected before COPY.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

UNIX_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
MIN_DAY = date(1, 1, 1).toordinal() - UNIX_EPOCH_ORDINAL  # days since 1970-01-01
MAX_DAY = date(9999, 12, 31).toordinal() - UNIX_EPOCH_ORDINAL
SECONDS_PER_DAY = 86_400
UNITS_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
INFINITY_TEXTS = ("infinity", "+infinity", "-infinity")
DATE_TEXT = re.compile(r"(?P<year>[+-]?\d{4,})-(?P<month>\d{2})-(?P<day>\d{2})")
TIMESTAMP_TEXT = re.compile(r"(?P<year>[+-]?\d{4,})-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?")


def timestamp_bounds(unit: str) -> tuple[int, int]:
    """Return the smallest and largest accepted timestamp values in `unit` since the Unix epoch."""
    per_second = UNITS_PER_SECOND[unit]
    return MIN_DAY * SECONDS_PER_DAY * per_second, (MAX_DAY + 1) * SECONDS_PER_DAY * per_second - 1


def civil_from_days(days: int) -> tuple[int, int, int]:
    """Return (year, month, day) of a day number since 1970-01-01 in the proleptic Gregorian calendar.

    Years use astronomical numbering (year 0 is 1 BC), so any int works; the
    algorithm is Howard Hinnant's `civil_from_days`.
    """
    shifted = days + 719_468
    era = shifted // 146_097
    day_of_era = shifted - era * 146_097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_index = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * month_index + 2) // 5 + 1
    month = month_index + 3 if month_index < 10 else month_index - 9
    return year_of_era + era * 400 + (1 if month <= 2 else 0), month, day


def format_day(days: int) -> str:
    """Return `YYYY-MM-DD` with at least four year digits, for example `0202-04-17` or `0000-01-01`."""
    year, month, day = civil_from_days(days)
    sign = "-" if year < 0 else ""
    return f"{sign}{abs(year):04d}-{month:02d}-{day:02d}"


def format_timestamp(value: int, unit: str) -> str:
    """Return `YYYY-MM-DD HH:MM:SS[.ffffff]` for a timestamp value in `unit` since the Unix epoch."""
    per_second = UNITS_PER_SECOND[unit]
    seconds, fraction = divmod(value, per_second)
    days, second_of_day = divmod(seconds, SECONDS_PER_DAY)
    hours, rest = divmod(second_of_day, 3600)
    text = f"{format_day(days)} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
    if fraction:
        digits = len(str(per_second)) - 1
        text += f".{fraction:0{digits}d}"
    return text


def parse_date_text(text: str) -> tuple[date | None, str | None]:
    """Parse an ISO date; return (value, None) or (None, reason code)."""
    cleaned = text.strip()
    if cleaned.lower() in INFINITY_TEXTS:
        return None, "infinite_date"
    match = DATE_TEXT.fullmatch(cleaned)
    if match is None:
        return None, "invalid_date"
    if not 1 <= int(match["year"]) <= 9999:
        return None, "date_out_of_range"
    try:
        return date.fromisoformat(cleaned), None
    except ValueError:
        return None, "invalid_date"


def parse_timestamp_text(text: str) -> tuple[datetime | None, str | None]:
    """Parse an ISO timestamp (an offset is converted to UTC); return (naive UTC value, None) or (None, reason)."""
    cleaned = text.strip()
    if cleaned.lower() in INFINITY_TEXTS:
        return None, "infinite_date"
    match = TIMESTAMP_TEXT.fullmatch(cleaned)
    if match is None:
        return None, "invalid_date"
    if not 1 <= int(match["year"]) <= 9999:
        return None, "date_out_of_range"
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        return None, "invalid_date"
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value, None
