"""Render hits as Apache or nginx combined-format lines and write hourly gzip files."""

from __future__ import annotations

import gzip
import io
import time
from collections.abc import Iterable

from sample_data.access_logs.sessions import Hit

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def escape_field(value: str, server: str) -> str:
    """Escape a quoted field as the server does: Apache writes `\\"`, nginx writes `\\x22`."""
    if server == "web-apache-01":
        return value.replace("\\", "\\\\").replace('"', '\\"')
    return value.replace("\\", "\\x5C").replace('"', "\\x22")


def local_time(epoch: int, offset_minutes: int) -> str:
    """Return `[dd/Mon/yyyy:HH:MM:SS +hhmm]` content for `epoch` shown at the given UTC offset."""
    tm = time.gmtime(epoch + offset_minutes * 60)
    sign = "+" if offset_minutes >= 0 else "-"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return (f"{tm.tm_mday:02d}/{MONTHS[tm.tm_mon - 1]}/{tm.tm_year}:{tm.tm_hour:02d}:{tm.tm_min:02d}:"
            f"{tm.tm_sec:02d} {sign}{hours:02d}{minutes:02d}")


def render_line(hit: Hit) -> str:
    """Render one hit without its newline; a cut hit stops inside its user agent, leaving a quote open."""
    if hit.method is None:
        request = "-"
    else:
        request = escape_field(f"{hit.method} {hit.target} {hit.protocol}", hit.server)
    status = "-" if hit.status is None else str(hit.status)
    size = "-" if hit.size is None else str(hit.size)
    agent = escape_field(hit.user_agent, hit.server)
    line = (f'{hit.ip} - {hit.user} [{local_time(hit.ts, hit.offset_minutes)}] "{request}" {status} {size} '
            f'"{escape_field(hit.referrer, hit.server)}" "{agent}"')
    if hit.cut:
        return line[: len(line) - len(agent) // 2 - 1]
    return line


def gzip_lines(hits: Iterable[Hit]) -> bytes:
    """Stream the rendered lines through gzip; every line ends with a newline except a cut last line.

    The gzip header carries no file name and mtime 0, so the same hits give the same bytes.
    """
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=6, mtime=0, filename="") as handle:
        for hit in hits:
            text = render_line(hit)
            handle.write(text.encode("utf-8") if hit.cut else (text + "\n").encode("utf-8"))
    return buffer.getvalue()
