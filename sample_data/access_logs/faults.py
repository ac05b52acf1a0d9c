"""Assign hits to hourly files and plant the malformed-line kinds (IPv6 forms, escaped quotes, `-` fields,
HTTP/2 variants, protocol probes, odd UTC offsets, oversized and cut lines, late lines).

Each hit carries at most one planted kind, so every kind's count is exact.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from sample_data.access_logs.sessions import SERVERS, Hit
from sample_data.config import (
    ACCESS_LOG_FAULT_RATES,
    CUT_LAST_LINE_FILE_RATE,
    OVERSIZED_TARGET_LENGTH,
    Plan,
    planted_count,
)

FileKey = tuple[str, int]  # (server, epoch of the UTC hour)
QUOTED_AGENT = "Dalvik/2.1.0 (Linux; U; Android 9; Pad 8\" Build/PQ3A)"
QUOTED_REFERRER = "https://shop.example/?ref=\"mail\""


def assign_files(plan: Plan, hits: list[Hit], rng: random.Random) -> dict[FileKey, list[Hit]]:
    """Group hits by server and UTC hour, move planted late lines to the next hour and cut some last lines."""
    last_hour = int(plan.window_end.timestamp()) - 3600
    for hit in hits:
        hit.file_hour = hit.ts - hit.ts % 3600
        hit.write_ts = hit.ts

    late_candidates = [hit for hit in hits if hit.file_hour < last_hour]
    for hit in rng.sample(late_candidates, planted_count(ACCESS_LOG_FAULT_RATES["late_line"], len(hits))):
        hit.file_hour += 3600
        hit.write_ts = hit.file_hour + rng.randint(0, 600)
        hit.faults.append("late_line")

    # Every server rotates every hour, so a quiet hour still gets its (empty) file.
    first_hour = int(plan.window_start.timestamp())
    files: dict[FileKey, list[Hit]] = {(server, hour): [] for server in SERVERS
                                       for hour in range(first_hour, last_hour + 3600, 3600)}
    for hit in hits:
        files[(hit.server, hit.file_hour)].append(hit)
    for file_hits in files.values():
        file_hits.sort(key=lambda hit: hit.write_ts)

    keys = sorted(key for key, file_hits in files.items() if file_hits)
    for key in rng.sample(keys, planted_count(CUT_LAST_LINE_FILE_RATE, len(keys))):
        last = files[key][-1]
        last.cut = True
        last.faults.append("cut_last_line")
    return dict(sorted(files.items()))


def plant_line_faults(hits: list[Hit], rng: random.Random) -> dict[str, int]:
    """Plant every per-line kind on disjoint hits; return the count per kind."""
    free = [index for index, hit in enumerate(hits) if not hit.faults]
    rng.shuffle(free)
    used: set[int] = set()
    planted = {}
    for kind, apply in LINE_FAULTS.items():
        eligible = ELIGIBLE.get(kind, lambda hit: True)
        count = planted_count(ACCESS_LOG_FAULT_RATES[kind], len(hits))
        chosen: list[int] = []
        for index in free:
            if len(chosen) == count:
                break
            if index not in used and eligible(hits[index]):
                chosen.append(index)
        for index in chosen:
            used.add(index)
            apply(hits[index], rng)
            hits[index].faults.append(kind)
        planted[kind] = len(chosen)
    return planted


def _ipv6_client(hit: Hit, rng: random.Random) -> None:
    hit.ip = f"2001:db8:{rng.randrange(0x10000):x}:{rng.randrange(0x10000):x}::{rng.randrange(1, 0x10000):x}"


def _ipv6_zone_suffix(hit: Hit, rng: random.Random) -> None:
    hit.ip = f"fe80::{rng.randrange(0x10000):x}:{rng.randrange(0x10000):x}%eth{rng.randint(0, 1)}"


def _ipv4_mapped(hit: Hit, rng: random.Random) -> None:
    hit.ip = f"::ffff:{hit.ip}" if ":" not in hit.ip else "::ffff:198.51.100.7"


def _invalid_host(hit: Hit, rng: random.Random) -> None:
    hit.ip = f"gw-{rng.randint(1, 9)}.lb.shop.example"


def _escaped_quote(hit: Hit, rng: random.Random) -> None:
    if rng.random() < 0.5:
        hit.user_agent = QUOTED_AGENT
    else:
        hit.referrer = QUOTED_REFERRER


def _dash_status(hit: Hit, rng: random.Random) -> None:
    hit.status, hit.size = None, 0


def _dash_bytes(hit: Hit, rng: random.Random) -> None:
    hit.size = None


def _dash_request(hit: Hit, rng: random.Random) -> None:
    hit.method = hit.target = None
    hit.protocol = "-"
    hit.status, hit.size, hit.referrer, hit.user_agent = 408, None, "-", "-"


def _http2(hit: Hit, rng: random.Random) -> None:
    hit.protocol = "HTTP/2" if hit.server == "web-apache-01" else "HTTP/2.0"


def _protocol_probe(hit: Hit, rng: random.Random) -> None:
    hit.method, hit.target, hit.protocol = "PRI", "*", "HTTP/2.0"
    hit.status, hit.size, hit.referrer, hit.user_agent = 400, 0, "-", "-"


def _odd_offset(hit: Hit, rng: random.Random) -> None:
    hit.offset_minutes = rng.choice([330, 345, -570])


def _oversized(hit: Hit, rng: random.Random) -> None:
    hit.method, hit.target = "GET", "/search?q=" + "A" * OVERSIZED_TARGET_LENGTH
    hit.status, hit.size = 414, 0


LINE_FAULTS: dict[str, Callable[[Hit, random.Random], None]] = {
    "oversized_line": _oversized,
    "protocol_probe": _protocol_probe,
    "dash_request": _dash_request,
    "dash_status": _dash_status,
    "dash_bytes": _dash_bytes,
    "escaped_quote_apache": _escaped_quote,
    "escaped_quote_nginx": _escaped_quote,
    "ipv6_client": _ipv6_client,
    "ipv6_zone_suffix": _ipv6_zone_suffix,
    "ipv4_mapped_ipv6": _ipv4_mapped,
    "invalid_host": _invalid_host,
    "odd_utc_offset": _odd_offset,
    "http2_protocol": _http2,
}
ELIGIBLE: dict[str, Callable[[Hit], bool]] = {
    "escaped_quote_apache": lambda hit: hit.server == "web-apache-01",
    "escaped_quote_nginx": lambda hit: hit.server == "web-nginx-01",
    "ipv4_mapped_ipv6": lambda hit: ":" not in hit.ip,
}
