"""A small synthetic day of access logs and campaign events, with known good and bad counts."""

from __future__ import annotations

import gzip
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

AGENTS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148",
          "Googlebot/2.1 (+http://www.google.com/bot.html)")
PATHS = ("/", "/products/17", "/products/42?utm_source=mail&utm_medium=email&utm_campaign=C-1",
         "/static/app.js", "/api/cart", "/search?q=shoes")


@dataclass
class Day:
    """Raw objects of one day (key to gzipped bytes) and the counts a correct pipeline must produce."""

    objects: dict[str, bytes] = field(default_factory=dict)
    good_lines: int = 0
    bad_lines: int = 0


def access_log_day(date: str, lines_per_hour: int, bad_every: int = 97, seed: int = 7) -> Day:
    """Return 24 hourly objects for two servers, every `bad_every`-th line unparseable."""
    rng = random.Random(seed)
    day = Day()
    start = datetime.fromisoformat(date).replace(tzinfo=UTC)
    for server in ("web-apache-01", "web-nginx-01"):
        for hour in range(24):
            lines = []
            for index in range(lines_per_hour):
                moment = start + timedelta(hours=hour, seconds=index * 3600 // lines_per_hour)
                if (index + 1) % bad_every == 0:
                    lines.append("this is not an access log line")
                    day.bad_lines += 1
                    continue
                ip = f"198.51.100.{rng.randint(1, 254)}"
                lines.append(f'{ip} - {rng.choice(["-", str(rng.randint(1, 500))])} '
                             f'[{moment:%d/%b/%Y:%H:%M:%S} +0000] "GET {rng.choice(PATHS)} HTTP/1.1" '
                             f'200 {rng.randint(100, 9000)} "-" "{rng.choice(AGENTS)}"')
                day.good_lines += 1
            key = f"access_logs/dt={date}/hour={hour:02d}/{server}.access.log-{date.replace('-', '')}{hour:02d}.gz"
            day.objects[key] = gzip.compress(("\n".join(lines) + "\n").encode())
    return day


def campaign_events(date: str, count: int, invalid_every: int = 50, seed: int = 11) -> tuple[list[dict], int]:
    """Return `count` campaign events of one day, every `invalid_every`-th invalid, and the invalid count."""
    rng = random.Random(seed)
    events = []
    invalid = 0
    for index in range(count):
        event = {"event_id": f"E-{date}-{index:06d}", "campaign_id": f"C-{rng.randint(1, 5)}",
                 "customer_id": rng.randint(1, 500), "event_type": rng.choice(["sent", "open", "click"]),
                 "channel": "email", "ts": f"{date}T{index % 24:02d}:{index % 60:02d}:00Z"}
        if (index + 1) % invalid_every == 0:
            event["event_type"] = "bounce"
            invalid += 1
        events.append(event)
    return events, invalid
