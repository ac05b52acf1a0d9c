"""Conversion of access-log times (`07/Sep/2023:15:58:36 +0200`) to UTC, without strptime.

Parsing a log time with `datetime.strptime` costs several microseconds per
line. Lines of one file share their date and offset, and often their second,
so the converter caches the UTC midnight of each (date, offset) pair and the
result of each full timestamp text, and computes the rest with integer
arithmetic.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
LOG_TIME_LENGTH = len("07/Sep/2023:15:58:36 +0200")
MAX_OFFSET_MINUTES = 18 * 60
CACHE_LIMIT = 100_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class InvalidTimestamp(ValueError):
    """The bracketed time field is not `dd/Mon/yyyy:HH:MM:SS +hhmm`."""


class TimestampConverter:
    """Convert log times to (UTC ISO 8601 with `Z`, UTC date, `+HH:MM` offset), with caches."""

    def __init__(self) -> None:
        self._results: dict[str, tuple[str, str, str]] = {}
        self._day_bases: dict[str, tuple[int, str]] = {}
        self._utc_days: dict[int, str] = {}

    def convert(self, text: str) -> tuple[str, str, str]:
        """Return `(ts, dt, utc_offset)` for one log time; raise InvalidTimestamp if it is malformed."""
        cached = self._results.get(text)
        if cached is not None:
            return cached

        if len(text) != LOG_TIME_LENGTH or text[2] != "/" or text[6] != "/" or text[11] != ":" \
                or text[14] != ":" or text[17] != ":" or text[20] != " ":
            raise InvalidTimestamp(f"time {text!r} is not in the form dd/Mon/yyyy:HH:MM:SS +hhmm")
        base, utc_offset = self._day_base(text[:11], text[21:])
        try:
            hours, minutes, seconds = int(text[12:14]), int(text[15:17]), int(text[18:20])
        except ValueError:
            raise InvalidTimestamp(f"time {text!r} has a non-numeric clock time") from None
        if not (0 <= hours < 24 and 0 <= minutes < 60 and 0 <= seconds < 60):
            raise InvalidTimestamp(f"time {text!r} has a clock time out of range")

        result = self._format(base + hours * 3600 + minutes * 60 + seconds, utc_offset)
        if len(self._results) >= CACHE_LIMIT:
            self._results.clear()
        self._results[text] = result
        return result

    def _day_base(self, date_text: str, offset_text: str) -> tuple[int, str]:
        """Return the UTC epoch second of local midnight of `date_text` at `offset_text`, and the offset as +HH:MM."""
        key = date_text + offset_text
        cached = self._day_bases.get(key)
        if cached is not None:
            return cached

        month = MONTHS.get(date_text[3:6])
        sign = offset_text[:1]
        digits = offset_text[1:]
        if month is None or sign not in ("+", "-") or len(digits) != 4 or not digits.isdigit() \
                or not date_text[:2].isdigit() or not date_text[7:].isdigit():
            raise InvalidTimestamp(f"time {date_text}:... {offset_text} has an invalid date or UTC offset")
        offset_minutes = int(digits[:2]) * 60 + int(digits[2:])
        if int(digits[2:]) >= 60 or offset_minutes > MAX_OFFSET_MINUTES:
            raise InvalidTimestamp(f"UTC offset {offset_text} is out of range")
        try:
            midnight = datetime(int(date_text[7:]), month, int(date_text[:2]), tzinfo=UTC)
        except ValueError as exc:
            raise InvalidTimestamp(f"date {date_text} is not a calendar date: {exc}") from None

        signed_minutes = offset_minutes if sign == "+" else -offset_minutes
        base = (midnight - EPOCH) // timedelta(seconds=1) - signed_minutes * 60
        result = (base, f"{sign}{digits[:2]}:{digits[2:]}")
        self._day_bases[key] = result
        return result

    def _format(self, epoch_seconds: int, utc_offset: str) -> tuple[str, str, str]:
        day_number, second_of_day = divmod(epoch_seconds, 86400)
        day = self._utc_days.get(day_number)
        if day is None:
            try:
                date = EPOCH + timedelta(days=day_number)
            except OverflowError:
                raise InvalidTimestamp(f"time at epoch second {epoch_seconds} is before year 1 in UTC") from None
            day = f"{date.year:04d}-{date.month:02d}-{date.day:02d}"
            self._utc_days[day_number] = day
        hours, rest = divmod(second_of_day, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{day}T{hours:02d}:{minutes:02d}:{seconds:02d}Z", day, utc_offset
