"""The summary that `shoplake pipeline demo` prints: rows per zone and table, balances, ground truth, durations."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from shoplake.pipeline.datasets import json_lines, list_keys, read_object

if TYPE_CHECKING:
    from rich.console import Console

    from shoplake.pipeline.reconcile import Check
    from shoplake.settings import Settings

log = logging.getLogger(__name__)
ROW_FORMATS = (".jsonl", ".json.gz", ".gz", ".parquet")
STAR_TABLES = ("dim_date", "dim_customer", "dim_product", "dim_campaign", "fact_network_traffic",
               "fact_transactions", "fact_product_sales", "fact_campaign_interactions")


def zone_tables(settings: Settings) -> list[tuple[str, str, int, int | None]]:
    """Return (zone, table, objects, rows) for each top-level prefix of each bucket; rows for row formats."""
    found = []
    for zone in ("raw", "staging", "curated"):
        bucket = getattr(settings.buckets, zone)
        objects: dict[str, list[str]] = defaultdict(list)
        for key in list_keys(bucket, ""):
            objects[_table_of(key)].append(key)
        for table, keys in sorted(objects.items()):
            rows = _count_rows(bucket, keys) if zone == "staging" else None
            found.append((zone, table, len(keys), rows))
    return found


def _table_of(key: str) -> str:
    parts = key.split("/")
    if parts[0] in ("dms", "cdc", "clean", "views", "star", "extracts") and len(parts) > 2:
        return "/".join(parts[:2]) if parts[0] != "dms" else "/".join(parts[:3])
    return parts[0]


def _count_rows(bucket: str, keys: list[str]) -> int | None:
    total = 0
    for key in keys:
        if key.endswith(".parquet"):
            import io

            import pyarrow.parquet as pq

            total += pq.read_metadata(io.BytesIO(read_object(bucket, key))).num_rows
        elif key.endswith((".jsonl", ".gz")):
            total += len(json_lines(read_object(bucket, key)))
        else:
            return None
    return total


def quarantine_by_reason(settings: Settings) -> Counter[tuple[str, str]]:
    """Count quarantined records by (stage, reason)."""
    counts: Counter[tuple[str, str]] = Counter()
    bucket = settings.buckets.quarantine
    for key in list_keys(bucket, ""):
        for record in json_lines(read_object(bucket, key)):
            counts[(str(record.get("stage", key.split("/")[0])), str(record.get("reason", "unknown")))] += 1
    return counts


def warehouse_rows(settings: Settings) -> dict[str, int | None]:
    """Return the row count of each star-schema table, or None where the table does not exist."""
    import psycopg2
    from psycopg2 import sql

    rows: dict[str, int | None] = {}
    with psycopg2.connect(settings.warehouse_dsn()) as connection, connection.cursor() as cursor:
        for table in STAR_TABLES:
            cursor.execute("SELECT to_regclass(%s)", (f"star.{table}",))
            if cursor.fetchone()[0] is None:
                rows[table] = None
                continue
            cursor.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier("star"), sql.Identifier(table)))
            rows[table] = cursor.fetchone()[0]
    connection.close()
    return rows


def stage_durations(settings: Settings) -> dict[str, dict[str, float]]:
    """Return {stage: {date: seconds}} from the stage log, keeping the last try of each."""
    from shoplake.pipeline.runtime import recorded_stage_runs

    durations: dict[str, dict[str, float]] = defaultdict(dict)
    for entry in recorded_stage_runs(settings):
        durations[entry["stage"]][entry["date"]] = entry["seconds"]
    return durations


def _print_balance(console: Console, settings: Settings, warehouse: dict[str, int | None]) -> bool:
    """Print each source's balance; return True when every source and every Glue job input balances."""
    from rich.table import Table

    from shoplake.pipeline.balance import source_balances, unbalanced_job_inputs

    table = Table("source", "in", "out", "quarantined", "dropped (duplicates, superseded)", "balanced",
                  "warehouse rows", title="Sources: records in = out + quarantined + dropped")
    sources = source_balances(settings)
    for row in sources:
        reached = ", ".join(f"{name} {warehouse.get(name) if warehouse.get(name) is not None else 'missing'}"
                            for name in row.warehouse_tables)
        table.add_row(row.source, str(row.records_in), str(row.records_out), str(row.quarantined), str(row.dropped),
                      "yes" if row.balanced else "[red]no[/red]", reached)
    console.print(table)
    problems = unbalanced_job_inputs(settings)
    if problems:
        console.print(f"[red]unbalanced Glue job inputs:[/red] {', '.join(problems)}")
    else:
        console.print("every Glue job input balances: rows in = out + quarantined + duplicates removed + superseded + soft-deleted")
    return not problems and all(row.balanced for row in sources)


def print_ground_truth(console: Console, settings: Settings, seed: int | None = None,
                       scale: float | None = None) -> list[Check]:
    """Reconcile the warehouse with the generator's manifest of `seed` and `scale`, print the checks, return them.

    Raises GroundTruthNotFoundError when the manifest is missing and psycopg2.Error when the
    warehouse cannot be read.
    """
    from rich.table import Table

    from shoplake.pipeline.reconcile import WarehouseFacts, held_dates, load_ground_truth, reconcile, window_dates

    truth = load_ground_truth(settings, seed, scale)
    facts = WarehouseFacts(settings)
    checks = reconcile(settings, truth.manifest, truth.changes, facts)
    held, window = held_dates(facts, truth.manifest), window_dates(truth.manifest)

    table = Table("figure", "expected", "found", "ok", title=f"Ground truth: the warehouse against {truth.location}")
    for check in checks:
        table.add_row(check.name, _cell(check, check.expected), _cell(check, check.found),
                      "yes" if check.passed else "[red]no[/red]")
    console.print(table)
    _print_ground_truth_notes(console, checks, held, window, truth.changes is not None)
    return checks


def _cell(check: Check, value: Any) -> str:
    from shoplake.pipeline.reconcile import format_value

    # A matching id list is long and adds nothing; a differing one is printed in full below the table.
    if isinstance(value, list) and check.passed:
        return f"{len(value)} ids"
    return format_value(value)


def _print_ground_truth_notes(console: Console, checks: list[Check], held: list[str], window: list[str],
                              after_changes: bool) -> None:
    if not held:
        console.print(f"[red]the warehouse has loaded no date of the manifest's window {window[0]} to {window[-1]}[/red]")
        return
    if held != window:
        console.print(f"window totals (orders, campaign funnels, campaign duplicates) not checked: the warehouse "
                      f"has loaded only {', '.join(held)} of the window {window[0]} to {window[-1]}")
    if after_changes:
        console.print("orders and revenue are compared with changes.json, the figures after the source changes")
    failed = [check for check in checks if not check.passed]
    if not failed:
        console.print(f"all {len(checks)} ground-truth checks pass")
        return
    console.print(f"[red]{len(failed)} of {len(checks)} ground-truth checks failed:[/red]")
    for check in failed:
        console.print(f"  {check.message()}")


def _print_ground_truth_if_found(console: Console, settings: Settings, seed: int | None, scale: float | None) -> bool:
    """Print the ground-truth table; return True when every check passes."""
    import psycopg2

    from shoplake.pipeline.reconcile import GroundTruthNotFoundError

    try:
        checks = print_ground_truth(console, settings, seed, scale)
    except (GroundTruthNotFoundError, psycopg2.Error) as exc:
        console.print(f"[red]ground truth not checked:[/red] {exc}")
        return False
    return bool(checks) and all(check.passed for check in checks)


def print_summary(console: Console, settings: Settings, outcomes: list[Any], seed: int | None = None,
                  scale: float | None = None) -> bool:
    """Print the demo summary tables and where to open the Data Docs and the dashboard.

    Return True when every source balances and every ground-truth check passes.

    The ground-truth table compares the warehouse with the manifest of `seed` and `scale`, or
    with the only manifest in the raw zone when they are None.
    """
    from rich.table import Table

    from shoplake.pipeline.quality import data_docs_index, data_docs_s3_url

    runs = Table("date", "result", "seconds", "log", title="DAG runs")
    for outcome in outcomes:
        runs.add_row(outcome.logical_date.isoformat(), "success" if outcome.success else "[red]failed[/red]",
                     f"{outcome.seconds:.0f}", str(outcome.log_file))
    console.print(runs)

    zones = Table("zone", "table", "objects", "rows", title="Lake zones")
    for zone, table, objects, rows in zone_tables(settings):
        zones.add_row(zone, table, str(objects), "-" if rows is None else str(rows))
    console.print(zones)

    warehouse = Table("table", "rows", title="Warehouse (star schema)")
    for table, rows in warehouse_rows(settings).items():
        warehouse.add_row(table, "missing" if rows is None else str(rows))
    console.print(warehouse)

    balanced = _print_balance(console, settings, warehouse_rows(settings))
    matches_truth = _print_ground_truth_if_found(console, settings, seed, scale)

    quarantine = Table("stage", "reason", "records", title="Quarantine")
    for (stage, reason), count in sorted(quarantine_by_reason(settings).items()):
        quarantine.add_row(stage, reason, str(count))
    console.print(quarantine)

    durations = stage_durations(settings)
    dates = sorted({day for per_stage in durations.values() for day in per_stage})
    timing = Table("stage", *dates, title="Stage durations (s)")
    for stage, per_date in durations.items():
        timing.add_row(stage, *[f"{per_date[day]:.1f}" if day in per_date else "-" for day in dates])
    console.print(timing)

    console.print(f"Data Docs: file://{data_docs_index(settings)} (copy at {data_docs_s3_url(settings)})")
    console.print(f"Dashboard: file://{settings.data_dir / 'dashboard' / 'index.html'}")
    return balanced and matches_truth
