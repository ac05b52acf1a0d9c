"""Compute every visual's values on the warehouse with the measures' SQL, shaped as the report shows them.

Rows follow Power BI's rules for the same visual: a category whose measures are
all blank is left out, "value" visuals sort by their first measure (descending),
"category" visuals by the category's sort column, and a top-N visual keeps the
N highest values plus any ties, as a TopN filter does.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

import sqlglot

from powerbi.measures import AREA_TITLES
from powerbi.report_spec import PAGES, Visual
from powerbi.sql import build_visual_query

log = logging.getLogger(__name__)


def compute_figures(runner: Any) -> dict[str, Any]:
    """Run every visual's query with a warehouse runner and return the values per area and visual."""
    areas: dict[str, Any] = {}
    for page in PAGES:
        visuals = {}
        for visual in page.visuals:
            visuals[visual.name] = compute_visual(runner, visual)
        areas[page.area] = {"title": AREA_TITLES[page.area], "visuals": visuals}
    return areas


def compute_visual(runner: Any, visual: Visual) -> dict[str, Any]:
    """Run one visual's query and return its title, kind, measures, category and ordered rows."""
    query = build_visual_query(visual)
    statement = sqlglot.parse_one(query.sql, read="redshift")
    raw_rows = runner.execute(statement, None, where=f"dashboard visual {visual.name}")
    log.debug("visual %s returned %d rows", visual.name, len(raw_rows))

    rows = [_row(visual, raw, query.has_category) for raw in raw_rows]
    rows = [row for row in rows if any(value is not None for value in row["values"].values())]
    rows = _ordered(visual, rows)
    for row in rows:
        row.pop("sort_key", None)
    return {
        "title": visual.title,
        "kind": visual.kind,
        "measures": list(visual.measures),
        "category": ".".join(visual.category) if visual.category else None,
        "rows": rows,
    }


def _row(visual: Visual, raw: tuple[Any, ...], has_category: bool) -> dict[str, Any]:
    offset = 2 if has_category else 0
    values = {name: to_json_value(raw[offset + index]) for index, name in enumerate(visual.measures)}
    if not has_category:
        return {"category": None, "values": values}
    return {"category": to_json_value(raw[0]), "sort_key": to_json_value(raw[1]), "values": values}


def to_json_value(value: Any) -> Any:
    """Convert a database value to JSON: decimals to float, dates to ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _ordered(visual: Visual, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if visual.category is None:
        return rows
    if visual.sort == "category":
        return sorted(rows, key=lambda row: (row["sort_key"] is None, row["sort_key"], str(row["category"])))

    first = visual.measures[0]
    rows = sorted(rows, key=lambda row: (row["values"][first] is None, -(row["values"][first] or 0), str(row["category"])))
    if visual.top is None:
        return rows
    return [row for row in rows if _rank(row["values"][first], rows, first) <= visual.top]


def _rank(value: float | None, rows: list[dict[str, Any]], measure_name: str) -> int:
    """Return the competition rank (1 + count of larger values) of `value`; blanks rank last."""
    if value is None:
        return len(rows) + 1
    return 1 + sum(1 for row in rows if row["values"][measure_name] is not None and row["values"][measure_name] > value)
