"""Stream ingestion figures: log parser lines/s on one core, Firehose records/s, campaign consumer records/s and lag.

The parser figures come from lines held in memory (no S3, no gzip), so they measure parsing, UTC
conversion, IP hashing and JSON record encoding only. The process is pinned to one CPU while they
run. The naive parser (one regular expression, `datetime.strptime`, `json.dumps` of a dict) is
measured in the same run on the same lines. Figures per CPU second count only this process's CPU
time, so they stay comparable when other processes share the core; the wall-clock figures do not.

Firehose and campaign figures use a private embedded stack: PutRecordBatch calls of 500 records over
HTTP (each acknowledged after fsync), then a flush to S3. The campaign consumer first drains a
backlog (its records/s), then consumes events put on Kinesis at an offered rate. Lag is the time
from a record's Kinesis arrival to the end of the handler invocation that staged it.
"""

from __future__ import annotations

import json
import os
import random
import re
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from bench._common import private_stack

PARSER_LINES_PER_SCALE = 200_000
FIREHOSE_RECORDS_PER_SCALE = 50_000
CAMPAIGN_SECONDS_PER_SCALE = 5
CAMPAIGN_OFFERED_PER_S = 500
AGENTS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15",
          "Googlebot/2.1 (+http://www.google.com/bot.html)")
NAIVE_PATTERN = re.compile(r'(\S+) (\S+) (\S+) \[([^\]]+)\] "(.*?)" (\S+) (\S+) "(.*?)" "(.*?)"')


def run(scale: int) -> dict[str, float]:
    """Return parser, Firehose and campaign-consumer figures for `scale`."""
    figures = parser_figures(sample_lines(PARSER_LINES_PER_SCALE * scale))
    with private_stack("shoplake-bench-streams-") as settings:
        figures |= firehose_figures(settings, FIREHOSE_RECORDS_PER_SCALE * scale)
        figures |= campaign_figures(settings, CAMPAIGN_SECONDS_PER_SCALE * scale)
    return figures


def sample_lines(count: int, seed: int = 1) -> list[str]:
    """Return combined-format lines of one day: 2,000 clients, 1,204 paths, 4 agents, 3 lines per second."""
    rng = random.Random(seed)
    clients = [f"198.51.{rng.randint(0, 255)}.{rng.randint(1, 254)}" for _ in range(2000)]
    paths = ["/", "/search?q=shoes", "/static/app.js", "/api/cart"]
    paths += [f"/products/{product}" for product in range(1, 1001)]
    paths += [f"/click?target=/products/{product}&utm_source=news&utm_medium=email&utm_campaign=C-{product % 20}"
              for product in range(1, 201)]
    lines = []
    for index in range(count):
        second = index // 3 % 86400
        stamp = f"02/Nov/2026:{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d} +0100"
        user = rng.choice(["-", str(rng.randint(1, 2000))])
        lines.append(f'{rng.choice(clients)} - {user} [{stamp}] "GET {rng.choice(paths)} HTTP/1.1" 200 '
                     f'{rng.randint(100, 90000)} "https://shop.example/" "{rng.choice(AGENTS)}"')
    return lines


def parser_figures(lines: list[str]) -> dict[str, float]:
    from services.log_processor.parser import AccessLogParser

    source = "shoplake-raw/access_logs/dt=2026-11-02/hour=00/web-apache-01.access.log-2026110200.gz"
    with _one_core():
        parser = AccessLogParser(b"bench-key")
        fast_s, fast_cpu_s = _timed(lambda: [parser.encode_line(line, len(line), source, number)
                                             for number, line in enumerate(lines, start=1)])
        naive_s, naive_cpu_s = _timed(lambda: [naive_encode(line, source, number)
                                               for number, line in enumerate(lines, start=1)])
    return {"parser_lines_per_s": round(len(lines) / fast_s), "naive_parser_lines_per_s": round(len(lines) / naive_s),
            "parser_lines_per_cpu_s": round(len(lines) / fast_cpu_s),
            "naive_parser_lines_per_cpu_s": round(len(lines) / naive_cpu_s),
            "parser_speedup_x": round(naive_cpu_s / fast_cpu_s, 2), "parser_lines": float(len(lines))}


def _timed(work: Any) -> tuple[float, float]:
    """Return the wall seconds and this process's CPU seconds that `work()` took."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def naive_encode(line: str, source: str, number: int) -> bytes:
    """Parse and encode one line the straightforward way: one regex, strptime, a dict and json.dumps."""
    import hashlib
    import hmac
    from datetime import UTC

    match = NAIVE_PATTERN.fullmatch(line)
    assert match is not None
    host, _, user, stamp, request, status, size, referrer, agent = match.groups()
    moment = datetime.strptime(stamp, "%d/%b/%Y:%H:%M:%S %z").astimezone(UTC)
    method, target, protocol = request.split(" ")
    path, _, query = target.partition("?")
    record = {"record_id": hashlib.sha256(f"{source}:{number}".encode()).hexdigest(), "source_key": source,
              "line_number": number, "ts": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "dt": moment.strftime("%Y-%m-%d"),
              "ts_local": stamp, "client_ip_hash": hmac.new(b"bench-key", host.encode(), hashlib.sha256).hexdigest(),
              "user_id": int(user) if user.isdigit() else None, "method": method, "path": path, "query": query or None,
              "protocol": protocol, "status": int(status), "bytes": int(size), "referrer": referrer,
              "user_agent": agent, "is_bot": "bot" in agent.lower()}
    return json.dumps(record).encode() + b"\n"


def firehose_figures(settings: Any, count: int) -> dict[str, float]:
    from services.firehose.client import flush
    from shoplake import aws

    firehose = aws.client("firehose", settings)
    record = json.dumps({"dt": "2026-11-02", "pad": "x" * 280}).encode() + b"\n"
    started = time.perf_counter()
    for _ in range(count // 500):
        firehose.put_record_batch(DeliveryStreamName=settings.firehose_stream, Records=[{"Data": record}] * 500)
    ingest_s = time.perf_counter() - started
    flush(settings, timeout_s=300)
    total_s = time.perf_counter() - started
    sent = count // 500 * 500
    return {"firehose_acknowledged_records_per_s": round(sent / ingest_s),
            "firehose_delivered_records_per_s": round(sent / total_s), "firehose_records": float(sent)}


def campaign_figures(settings: Any, seconds: int) -> dict[str, float]:
    """Measure draining a backlog (records/s), then the lag at an offered load of CAMPAIGN_OFFERED_PER_S."""
    from services.campaign_processor import handler
    from services.runner.campaigns import MappingSettings, run_campaign_processor
    from services.runner.producer import put_events
    from shoplake import aws

    kinesis = aws.client("kinesis", settings)
    backlog = [_campaign_event(f"backlog-{number}", number) for number in range(CAMPAIGN_OFFERED_PER_S * seconds)]
    put_events(kinesis, settings.campaign_stream, backlog)
    drained = run_campaign_processor(settings, until_caught_up=True, mapping=MappingSettings(batch_size=100))

    lags: list[float] = []
    original = handler.lambda_handler

    def timed_handler(event: dict, context: Any) -> dict:
        response = original(event, context)
        finished = time.time()
        lags.extend(finished - record["kinesis"]["approximateArrivalTimestamp"] for record in event["Records"])
        return response

    handler.lambda_handler = timed_handler
    stop = threading.Event()
    offered = threading.Thread(target=_produce, args=(kinesis, settings.campaign_stream, seconds, stop, put_events))
    try:
        offered.start()
        run_campaign_processor(settings, until_caught_up=False, mapping=MappingSettings(batch_size=100),
                               max_seconds=seconds + 3)
    finally:
        stop.set()
        offered.join()
        handler.lambda_handler = original
    return {"campaign_consumer_records_per_s": round(drained["records_read"] / drained["seconds"]),
            "campaign_backlog_records": float(drained["records_read"]),
            "campaign_offered_records_per_s": float(CAMPAIGN_OFFERED_PER_S),
            "campaign_lag_p50_s": round(statistics.median(lags), 3) if lags else -1.0,
            "campaign_lag_max_s": round(max(lags), 3) if lags else -1.0}


def _campaign_event(event_id: str, number: int) -> dict[str, Any]:
    return {"event_id": event_id, "campaign_id": "C-1", "customer_id": 1 + number % 2000, "event_type": "open",
            "channel": "email", "ts": "2026-11-02T10:00:00Z"}


def _produce(kinesis: Any, stream: str, seconds: int, stop: threading.Event, put_events: Any) -> None:
    """Put CAMPAIGN_OFFERED_PER_S events per second, in batches of 50 every 0.1 s."""
    sent = 0
    started = time.monotonic()
    while not stop.is_set() and time.monotonic() - started < seconds:
        events = [_campaign_event(f"offered-{sent + offset}", sent + offset) for offset in range(50)]
        put_events(kinesis, stream, events)
        sent += len(events)
        time.sleep(max(0.0, started + sent / CAMPAIGN_OFFERED_PER_S - time.monotonic()))


@contextmanager
def _one_core() -> Iterator[None]:
    """Pin this process to one CPU for the block, so the figure is a one-core figure."""
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(previous)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, previous)


if __name__ == "__main__":
    for name, value in run(1).items():
        print(f"{name}: {value:,}")
