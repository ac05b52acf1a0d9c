"""Reconcile the warehouse with the generator's ground-truth manifest.

Each `Check` compares one figure of the manifest (defined in docs/contracts.md, section
"Ground-truth manifest") with what the warehouse's `star` and `mart` schemas, a Glue job's
run report or the pipeline's stage log hold. Expected values come only from the manifest,
or from the `changes.json` beside it once the follow-up source changes ran, because the
warehouse should then match the source's state after those changes.

Per-day figures (revenue, page views, click events) and per-run figures (customers read,
duplicates merged) are checked for every date of the manifest's window that the warehouse
has loaded. Window totals (orders, campaign funnels, campaign duplicate deliveries) are
checked only when the warehouse has loaded every date of the window.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from sample_data.config import manifest_key
from shoplake.pipeline.errors import PipelineError

if TYPE_CHECKING:
    from shoplake.settings import Settings

UNKNOWN_MEMBER_KEY = -1
MANIFEST_PREFIX = "_manifest/"
MANIFEST_KEY_PATTERN = re.compile(r"_manifest/seed=(?P<seed>-?\d+)/scale=(?P<scale>[0-9.e+-]+)/manifest\.json")

# Every statement the checks run. Identifiers are constants and quoted; values are bound.
QUERIES: dict[str, str] = {
    "held_dates": """
        SELECT DISTINCT logical_date FROM "audit"."load_audit"
        WHERE logical_date BETWEEN %(first_day)s AND %(last_day)s""",
    "dim_customers": """
        SELECT count(*) FROM "star"."dim_customer" WHERE customer_key <> %(unknown_key)s""",
    "mart_customers": """
        SELECT count(*) FROM "mart"."customer_behaviour\"""",
    "orders": """
        SELECT count(DISTINCT order_id) FROM "star"."fact_product_sales"
        WHERE date_key BETWEEN %(first_key)s AND %(last_key)s""",
    "revenue_per_day": """
        SELECT d.calendar_date, t.currency,
               SUM(CASE t.payment_status WHEN %(captured)s THEN t.amount WHEN %(refunded)s THEN -t.amount ELSE 0 END),
               SUM(CASE t.payment_status WHEN %(captured)s THEN t.amount_usd WHEN %(refunded)s THEN -t.amount_usd ELSE 0 END)
        FROM "star"."fact_transactions" AS t JOIN "star"."dim_date" AS d ON d.date_key = t.date_key
        WHERE t.payment_status IN (%(captured)s, %(refunded)s) AND d.calendar_date BETWEEN %(first_day)s AND %(last_day)s
        GROUP BY d.calendar_date, t.currency""",
    "traffic_per_day": """
        SELECT calendar_date, SUM(page_views), SUM(click_events) FROM "mart"."traffic_usage"
        WHERE NOT is_bot AND calendar_date BETWEEN %(first_day)s AND %(last_day)s
        GROUP BY calendar_date""",
    "campaign_funnels": """
        SELECT campaign_id, sent, opens, clicks FROM "mart"."campaign_effectiveness\"""",
}


class GroundTruthNotFoundError(PipelineError):
    """No manifest, or more than one, where the generator stores it."""


@dataclass(frozen=True)
class Check:
    """One figure of the ground truth compared with what the pipeline produced."""

    group: str
    name: str
    expected: Any
    found: Any
    table: str
    day: str | None = None
    expected_from: str = "manifest"

    @property
    def passed(self) -> bool:
        return bool(self.expected == self.found)

    def message(self) -> str:
        return (f"{self.name}: expected {format_value(self.expected)} ({self.expected_from}), "
                f"found {format_value(self.found)} ({self.table})")


@dataclass(frozen=True)
class GroundTruth:
    """The generator's manifest and, once the follow-up source changes ran, their `changes.json`."""

    manifest: dict[str, Any]
    changes: dict[str, Any] | None
    location: str


class PipelineFacts(Protocol):
    """Source of the figures that the checks compare with the manifest; `WarehouseFacts` reads the real stores."""

    def query(self, name: str, parameters: dict[str, Any]) -> list[tuple[Any, ...]]: ...

    def job_report(self, job: str, day: str) -> dict[str, Any] | None: ...

    def stage_runs(self, stage: str, day: str) -> list[dict[str, Any]]: ...


class WarehouseFacts:
    """Reads the warehouse over `settings.warehouse_dsn()`, job reports from S3 and the stage log."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stage_log: list[dict[str, Any]] | None = None

    def query(self, name: str, parameters: dict[str, Any]) -> list[tuple[Any, ...]]:
        import psycopg2

        connection = psycopg2.connect(self.settings.warehouse_dsn())
        try:
            with connection.cursor() as cursor:
                cursor.execute(QUERIES[name], parameters)
                return cursor.fetchall()
        finally:
            connection.close()

    def job_report(self, job: str, day: str) -> dict[str, Any] | None:
        # The key is the one spark_jobs.common.report.report_key writes; that module needs pyspark.
        return _read_json(self.settings.buckets.curated, f"_reports/{job}/dt={day}/report.json")

    def stage_runs(self, stage: str, day: str) -> list[dict[str, Any]]:
        """Return the counts of every finished run of `stage` for `day`, re-runs included, oldest first."""
        from shoplake.pipeline.runtime import recorded_stage_runs

        if self._stage_log is None:
            self._stage_log = recorded_stage_runs(self.settings)
        return [entry.get("counts") or {} for entry in self._stage_log
                if entry["stage"] == stage and entry["date"] == day]


def stored_manifests(settings: Settings) -> list[tuple[int, float]]:
    """Return (seed, scale) of every manifest in the raw zone."""
    from shoplake.pipeline.datasets import list_keys

    found = []
    for key in list_keys(settings.buckets.raw, MANIFEST_PREFIX):
        match = MANIFEST_KEY_PATTERN.fullmatch(key)
        if match:
            found.append((int(match["seed"]), float(match["scale"])))
    return found


def load_ground_truth(settings: Settings, seed: int | None = None, scale: float | None = None) -> GroundTruth:
    """Read the manifest (and changes.json, when present) of `seed` and `scale` from the raw zone.

    Without `seed` and `scale`, the raw zone must contain exactly one manifest.
    """
    if seed is None or scale is None:
        seed, scale = _only_manifest(settings, seed, scale)
    manifest = _read_json(settings.buckets.raw, manifest_key(seed, scale))
    location = f"s3://{settings.buckets.raw}/{manifest_key(seed, scale)}"
    if manifest is None:
        raise GroundTruthNotFoundError(f"no ground-truth manifest at {location}; "
                                       f"run 'shoplake generate --seed {seed} --scale {scale:g}'")
    return GroundTruth(manifest, _read_json(settings.buckets.raw, manifest_key(seed, scale, "changes.json")), location)


def _only_manifest(settings: Settings, seed: int | None, scale: float | None) -> tuple[int, float]:
    candidates = [(found_seed, found_scale) for found_seed, found_scale in stored_manifests(settings)
                  if seed in (None, found_seed) and scale in (None, found_scale)]
    if len(candidates) == 1:
        return candidates[0]
    where = f"s3://{settings.buckets.raw}/{MANIFEST_PREFIX}"
    if not candidates:
        raise GroundTruthNotFoundError(f"no ground-truth manifest under {where}; run 'shoplake generate' first")
    listed = ", ".join(f"seed {found_seed} scale {found_scale:g}" for found_seed, found_scale in candidates)
    raise GroundTruthNotFoundError(f"several manifests under {where} ({listed}); pass --seed and --scale")


def _read_json(bucket: str, key: str) -> dict[str, Any] | None:
    """Return the JSON object stored at `key`, or None when there is no such object."""
    from botocore.exceptions import ClientError

    from shoplake.pipeline.datasets import read_object

    try:
        return json.loads(read_object(bucket, key))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise


def window_dates(manifest: dict[str, Any]) -> list[str]:
    return list(manifest["window"]["dates"])


def held_dates(facts: PipelineFacts, manifest: dict[str, Any]) -> list[str]:
    """Return the dates of the manifest's window that the warehouse has loaded, in order."""
    window = window_dates(manifest)
    rows = facts.query("held_dates", {"first_day": window[0], "last_day": window[-1]})
    loaded = {_iso(day) for (day,) in rows}
    return [day for day in window if day in loaded]


def reconcile(settings: Settings, manifest: dict[str, Any], changes: dict[str, Any] | None = None,
              facts: PipelineFacts | None = None) -> list[Check]:
    """Compare every manifest figure with the warehouse for the window dates it holds; return the checks.

    With `changes` (the generator's changes.json), orders and revenue are compared with the
    figures after the source changes. The caller decides what a failed check means.
    """
    facts = facts or WarehouseFacts(settings)
    held = held_dates(facts, manifest)
    if not held:
        return []
    whole_window = held == window_dates(manifest)

    checks = _customer_checks(facts, manifest, held)
    if whole_window:
        checks += _order_checks(facts, manifest, changes, held)
    checks += _revenue_checks(facts, manifest, changes, held)
    checks += _traffic_checks(facts, manifest, held)
    if whole_window:
        checks += _campaign_checks(facts, manifest)
        checks += _campaign_duplicate_checks(facts, manifest, held)
    checks += _snapshot_duplicate_checks(facts, manifest, held)
    return checks


def _customer_checks(facts: PipelineFacts, manifest: dict[str, Any], held: list[str]) -> list[Check]:
    expected = manifest["expected"]
    checks = []
    for day in held:
        report = _job_input(facts, "clean_conform", day, "cdc/customers")
        checks.append(Check("customers", f"customers replicated from shop.customers, {day}",
                            expected["distinct_customers"], report.get("rows_in"),
                            "clean_conform report, input cdc/customers", day))

    emails = expected["distinct_customer_emails"]
    dim_rows = _value(facts, "dim_customers", {"unknown_key": UNKNOWN_MEMBER_KEY})
    mart_rows = _value(facts, "mart_customers", {})
    checks.append(Check("customers", "distinct customers by e-mail", emails, dim_rows,
                        "star.dim_customer without the unknown member"))
    checks.append(Check("customers", "distinct customers by e-mail", emails, mart_rows, "mart.customer_behaviour"))
    return checks


def _order_checks(facts: PipelineFacts, manifest: dict[str, Any], changes: dict[str, Any] | None,
                  held: list[str]) -> list[Check]:
    if changes:
        expected, origin = changes["expected_after_changes"]["rows"]["orders"], "changes.json"
    else:
        expected, origin = manifest["expected"]["orders"], "manifest"
    found = _value(facts, "orders", {"first_key": _date_key(held[0]), "last_key": _date_key(held[-1])})
    return [Check("orders", "orders", expected, found, "star.fact_product_sales, distinct order_id",
                  expected_from=origin)]


def _revenue_checks(facts: PipelineFacts, manifest: dict[str, Any], changes: dict[str, Any] | None,
                    held: list[str]) -> list[Check]:
    if changes:
        per_day, origin = changes["expected_after_changes"]["revenue_per_day"], "changes.json"
    else:
        per_day, origin = manifest["expected"]["revenue_per_day"], "manifest"
    rows = facts.query("revenue_per_day", {"first_day": held[0], "last_day": held[-1],
                                           "captured": "CAPTURED", "refunded": "REFUNDED"})
    by_currency: dict[str, dict[str, Decimal]] = defaultdict(dict)
    usd: dict[str, Decimal] = defaultdict(Decimal)
    for day, currency, amount, amount_usd in rows:
        by_currency[_iso(day)][currency] = Decimal(amount)
        usd[_iso(day)] += Decimal(amount_usd)

    checks = []
    table = "star.fact_transactions, CAPTURED minus REFUNDED"
    for day in held:
        figures = per_day.get(day, {"by_currency": {}, "usd": None})
        expected_usd = None if figures["usd"] is None else Decimal(str(figures["usd"]))
        expected_by_currency = {currency: Decimal(str(amount)) for currency, amount in figures["by_currency"].items()}
        checks.append(Check("revenue", f"revenue {day} in USD", expected_usd, usd.get(day, Decimal("0.00")), table,
                            day, origin))
        checks.append(Check("revenue", f"revenue {day} by currency", expected_by_currency,
                            by_currency.get(day, {}), table, day, origin))
    return checks


def _traffic_checks(facts: PipelineFacts, manifest: dict[str, Any], held: list[str]) -> list[Check]:
    expected = manifest["expected"]
    rows = facts.query("traffic_per_day", {"first_day": held[0], "last_day": held[-1]})
    stored = {_iso(day): (page_views, clicks) for day, page_views, clicks in rows}

    checks = []
    table = "mart.traffic_usage without bots"
    for day in held:
        page_views, clicks = stored.get(day, (0, 0))
        checks.append(Check("traffic", f"page views {day}", expected["page_views_per_day"].get(day), page_views,
                            table, day))
        checks.append(Check("traffic", f"click events {day}", expected["click_events_per_day"].get(day), clicks,
                            table, day))
    return checks


def _campaign_checks(facts: PipelineFacts, manifest: dict[str, Any]) -> list[Check]:
    expected = manifest["expected"]["campaigns"]
    rows = facts.query("campaign_funnels", {})
    stored = {campaign: (sent, opens, clicks) for campaign, sent, opens, clicks in rows}
    table = "mart.campaign_effectiveness"

    checks = [Check("campaigns", "campaign ids", sorted(expected), sorted(stored), table)]
    for campaign, figures in sorted(expected.items()):
        funnel = (figures["sent"], figures["opens"], figures["click_throughs"])
        checks.append(Check("campaigns", f"campaign {campaign} sent / opens / click-throughs", funnel,
                            stored.get(campaign), table))
    return checks


def _campaign_duplicate_checks(facts: PipelineFacts, manifest: dict[str, Any], held: list[str]) -> list[Check]:
    planted = manifest["campaign_events"]["planted"]["duplicate_delivery"]
    # Every run counts, not only the last: the event source checkpoints, so a re-run reads only records
    # that no earlier run read. NOTE: a try that consumed records and then failed records no counts.
    by_lambda = sum(int(counts.get("duplicates") or 0) for day in held
                    for counts in facts.stage_runs("campaign_events", day))
    by_clean = sum(int(_job_input(facts, "clean_conform", day, "staging/campaign_events").get("duplicates_removed") or 0)
                   for day in held)
    return [Check("campaign_duplicates", "campaign duplicate deliveries removed", planted, by_lambda + by_clean,
                  f"{by_lambda} by the campaign Lambda, {by_clean} by clean_conform")]


def _snapshot_duplicate_checks(facts: PipelineFacts, manifest: dict[str, Any], held: list[str]) -> list[Check]:
    """Check the duplicates that clean_conform removes from its full snapshots, on every held date."""
    near_customers = manifest["source_db"]["planted"]["near_duplicate_customer"]
    catalog = manifest["catalog"]["planted"]
    catalog_rows = catalog["exact_duplicate_row"] + catalog["near_duplicate_row"]

    checks = []
    for day in held:
        merged = _job_input(facts, "clean_conform", day, "cdc/customers").get("duplicates_removed")
        removed = _job_input(facts, "clean_conform", day, "staging/catalog").get("duplicates_removed")
        checks.append(Check("customer_duplicates", f"near-duplicate customers merged, {day}", near_customers, merged,
                            "clean_conform report, input cdc/customers", day))
        checks.append(Check("catalog_duplicates", f"duplicate catalog rows removed (exact and near), {day}",
                            catalog_rows, removed, "clean_conform report, input staging/catalog", day))
    return checks


def _job_input(facts: PipelineFacts, job: str, day: str, input_name: str) -> dict[str, Any]:
    report = facts.job_report(job, day) or {}
    return (report.get("inputs") or {}).get(input_name) or {}


def _value(facts: PipelineFacts, name: str, parameters: dict[str, Any]) -> Any:
    [[value]] = facts.query(name, parameters)
    return value


def _iso(day: date | str) -> str:
    return day if isinstance(day, str) else day.isoformat()


def _date_key(day: str) -> int:
    return int(day.replace("-", ""))


def format_value(value: Any) -> str:
    """Render a figure for a table cell or a message: money as plain decimals, mappings as `key value` pairs."""
    if value is None:
        return "missing"
    if isinstance(value, dict):
        return ", ".join(f"{key} {format_value(item)}" for key, item in sorted(value.items())) or "none"
    if isinstance(value, tuple):
        return " / ".join(format_value(item) for item in value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "none"
    return str(value)
