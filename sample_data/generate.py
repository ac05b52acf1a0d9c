"""Generate the synthetic shop into every source on the active profile, and write the manifest.

`generate_all` writes access logs and catalog CSVs to the raw bucket, loads the
`shop` schema with COPY, sends campaign events to Kinesis and writes the
ground-truth manifest. `apply_changes` then runs the follow-up source changes
for CDC. Both are deterministic by seed, except the manifest's `run` section.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sample_data import changes as change_workload
from sample_data import config
from sample_data.access_logs.faults import assign_files, plant_line_faults
from sample_data.access_logs.render import gzip_lines
from sample_data.access_logs.sessions import build_hits
from sample_data.campaign_events import build_campaign_stream
from sample_data.catalog import build_catalog
from sample_data.config import DEFAULT_DAYS, DEFAULT_START, Plan, seeded_rng
from sample_data.manifest import build_manifest
from sample_data.progress import Reporter
from sample_data.sinks import kinesis as kinesis_sink
from sample_data.sinks import postgres as pg_sink
from sample_data.sinks import s3 as s3_sink
from sample_data.stack_check import check_stack
from sample_data.transactions import Transactions, build_transactions
from sample_data.universe import Universe, build_universe
from shoplake.settings import Settings

log = logging.getLogger(__name__)


@dataclasses.dataclass
class World:
    """Everything generated in memory for one plan, before it is written."""

    plan: Plan
    universe: Universe
    stream: Any
    transactions: Transactions
    hits: list[Any]
    files: dict[Any, list[Any]]
    log_planted: dict[str, int]
    catalog: Any


def build_world(plan: Plan, timings: dict[str, float] | None = None) -> World:
    """Generate every source in memory, deterministically by seed."""
    timings = timings if timings is not None else {}
    with _timed(timings, "build_master_data"):
        universe = build_universe(plan)
    with _timed(timings, "build_campaign_events"):
        stream = build_campaign_stream(plan, universe)
    with _timed(timings, "build_source_db"):
        transactions = build_transactions(plan, universe, stream.events)
    with _timed(timings, "build_access_logs"):
        hits = build_hits(plan, universe, transactions.orders, stream.events)
        rng = seeded_rng(plan.seed, "access-log-faults")
        files = assign_files(plan, hits, rng)
        log_planted = plant_line_faults(hits, rng)
        log_planted["cut_last_line"] = sum(1 for hit in hits if hit.cut)
        log_planted["late_line"] = sum(1 for hit in hits if "late_line" in hit.faults)
    with _timed(timings, "build_catalog"):
        catalog = build_catalog(plan, universe)
    return World(plan, universe, stream, transactions, hits, files, log_planted, catalog)


def describe_plan(plan: Plan, settings: Settings) -> list[str]:
    """Return the lines `--dry-run` prints: what would be written where."""
    volumes = plan.volumes
    return [
        f"seed {plan.seed}, scale {plan.scale_label}, {plan.days} days from {plan.start.isoformat()} (UTC)",
        f"access logs: {volumes.log_lines:,} lines in {plan.days * 48} hourly gzip files "
        f"-> s3://{settings.buckets.raw}/access_logs/",
        f"catalog: {volumes.products:,} products in 4 CSV files plus {plan.days - 1} price updates "
        f"-> s3://{settings.buckets.raw}/catalog/",
        f"source db: {volumes.customers:,} customers, {volumes.campaigns} campaigns, {volumes.orders:,} orders "
        f"with lines and payments -> {settings.source_db}.shop (COPY)",
        f"campaign events: {volumes.campaign_interactions:,} interactions plus duplicate deliveries "
        f"-> Kinesis stream {settings.campaign_stream}",
        f"manifest -> s3://{settings.buckets.raw}/{manifest_key(plan)} and {local_manifest_path(settings, plan)}",
    ]


def generate_all(settings: Settings, seed: int = 42, scale: float = 1, start: date = DEFAULT_START,
                 days: int = DEFAULT_DAYS, progress: bool = True) -> dict[str, Any]:
    """Write every source on the profile of `settings` and return the manifest.

    Replaces the raw objects and the `shop` schema of an earlier run; the Kinesis
    stream is append-only, so a re-run sends the events again.
    """
    plan = Plan(seed, scale, start, days)
    timings: dict[str, float] = {}
    clients = check_stack(settings)
    reporter = Reporter(enabled=progress)

    with reporter:
        with reporter.step("building records in memory", total=None):
            world = build_world(plan, timings)
        with _timed(timings, "write_access_logs"):
            _write_access_logs(world, settings, clients["s3"], reporter)
        with _timed(timings, "write_catalog"):
            _write_catalog(world, settings, clients["s3"], reporter)
        with _timed(timings, "write_source_db"):
            _write_source_db(world, settings, reporter)
        with _timed(timings, "write_campaign_events"):
            delivery = _send_campaign_events(world, settings, clients["kinesis"], reporter)

    manifest = build_manifest(plan, world.universe, world.transactions, world.stream, world.hits,
                              world.log_planted, len(world.files), world.catalog, _target_names(settings))
    manifest["run"] = {"timings_s": {name: round(value, 3) for name, value in timings.items()},
                       "kinesis": delivery}
    _store_json(settings, clients["s3"], plan, "manifest.json", manifest)
    return manifest


def apply_changes(settings: Settings, seed: int = 42, scale: float = 1, start: date = DEFAULT_START,
                  days: int = DEFAULT_DAYS) -> dict[str, Any]:
    """Run the follow-up source changes for CDC and return what changed (also written next to the manifest)."""
    plan = Plan(seed, scale, start, days)
    clients = check_stack(settings)
    world = build_world(plan)
    summary = change_workload.apply(settings, plan, world.transactions)
    _store_json(settings, clients["s3"], plan, "changes.json", summary)
    return summary


def manifest_key(plan: Plan, name: str = "manifest.json") -> str:
    return config.manifest_key(plan.seed, plan.scale, name)


def local_manifest_path(settings: Settings, plan: Plan, name: str = "manifest.json") -> Path:
    return settings.data_dir / "sample_data" / manifest_key(plan, name)


def _write_access_logs(world: World, settings: Settings, s3: Any, reporter: Reporter) -> None:
    keys = {}
    for server, hour in world.files:
        stamp = time.strftime("%Y-%m-%d/%H/%Y%m%d%H", time.gmtime(hour)).split("/")
        keys[(server, hour)] = f"access_logs/dt={stamp[0]}/hour={stamp[1]}/{server}.access.log-{stamp[2]}.gz"
    prefixes = [f"access_logs/dt={day.isoformat()}/" for day in world.plan.dates]
    s3_sink.delete_stale(s3, settings.buckets.raw, prefixes, set(keys.values()))

    with reporter.step("access logs", total=len(world.files)) as advance:
        for file_key, hits in world.files.items():
            s3_sink.put(s3, settings.buckets.raw, keys[file_key], gzip_lines(hits), "application/gzip")
            advance(1)


def _write_catalog(world: World, settings: Settings, s3: Any, reporter: Reporter) -> None:
    files = world.catalog.files
    prefixes = [f"catalog/dt={day.isoformat()}/" for day in world.plan.dates]
    s3_sink.delete_stale(s3, settings.buckets.raw, prefixes, {f.key for f in files})
    with reporter.step("catalog CSV", total=len(files)) as advance:
        for catalog_file in files:
            s3_sink.put(s3, settings.buckets.raw, catalog_file.key, catalog_file.body, "text/csv")
            advance(1)


def _write_source_db(world: World, settings: Settings, reporter: Reporter) -> None:
    import psycopg2

    universe, tx = world.universe, world.transactions
    tables: list[tuple[str, list[str], list[tuple[Any, ...]]]] = [
        ("customers", ["customer_id", "email", "first_name", "last_name", "country", "city", "signup_at", "updated_at"],
         [(c.customer_id, c.email, c.first_name, c.last_name, c.country, c.city, c.signup_at, c.updated_at)
          for c in universe.customers]),
        ("campaigns", ["campaign_id", "name", "channel", "start_date", "end_date", "budget", "currency"],
         [(c.campaign_id, c.name, c.channel, c.start_date, c.end_date, c.budget, c.currency) for c in universe.campaigns]),
        ("orders", ["order_id", "customer_id", "order_ts", "status", "currency", "total_amount", "campaign_id", "updated_at"],
         [(o.order_id, o.customer_id, o.order_ts, o.status, o.currency, o.total_amount, o.campaign_id, o.updated_at)
          for o in tx.orders]),
        ("order_lines", ["order_id", "line_no", "product_id", "quantity", "unit_price"],
         [(l.order_id, l.line_no, l.product_id, l.quantity, l.unit_price) for l in tx.lines]),  # noqa: E741
        ("payments", ["payment_id", "order_id", "paid_at", "amount", "currency", "method", "status", "coupon_code"],
         [(p.payment_id, p.order_id, p.paid_at, p.amount, p.currency, p.method, p.status, p.coupon_code)
          for p in tx.payments]),
    ]
    connection = psycopg2.connect(settings.source_dsn())
    try:
        with reporter.step("source db (COPY)", total=len(tables)) as advance, connection, connection.cursor() as cursor:
            pg_sink.recreate_schema(cursor)
            for table, columns, rows in tables:
                pg_sink.copy_rows(cursor, table, columns, rows)
                advance(1)
            pg_sink.write_state_comment(cursor, change_workload.state_label(world.plan, changes_applied=False))
    finally:
        connection.close()


def _send_campaign_events(world: World, settings: Settings, kinesis: Any, reporter: Reporter) -> dict[str, Any]:
    records = world.stream.records
    entries = [{"Data": record.data, "PartitionKey": record.partition_key} for record in records]
    with reporter.step("campaign events (PutRecords)", total=len(entries)) as advance:
        results = kinesis_sink.put_all(kinesis, settings.campaign_stream, entries, on_batch=advance)

    shards: dict[str, dict[str, Any]] = {}
    for result in results:
        shard = shards.setdefault(result["ShardId"], {"first_sequence": result["SequenceNumber"], "records": 0})
        shard["last_sequence"] = result["SequenceNumber"]
        shard["records"] += 1
    return {"stream": settings.campaign_stream, "records_sent": len(results), "shards": dict(sorted(shards.items()))}


def _store_json(settings: Settings, s3: Any, plan: Plan, name: str, document: dict[str, Any]) -> None:
    body = json.dumps(document, indent=2, sort_keys=False).encode()
    path = local_manifest_path(settings, plan, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    s3_sink.put(s3, settings.buckets.raw, manifest_key(plan, name), body, "application/json")
    log.info("wrote %s to s3://%s/%s and %s", name, settings.buckets.raw, manifest_key(plan, name), path)


def _target_names(settings: Settings) -> dict[str, str]:
    return {"raw_bucket": settings.buckets.raw, "source_db": settings.source_db, "schema": "shop",
            "campaign_stream": settings.campaign_stream}


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - started
