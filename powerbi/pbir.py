"""Write the report in the PBIR format: report.json, pages/<page>/page.json and visuals/<visual>/visual.json.

Every file names its Microsoft JSON schema in `$schema`; the versions below are
the ones the vendored schemas under powerbi/schemas/fabric describe.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from powerbi.measures import measure
from powerbi.report_spec import PAGES, PBI_VISUAL_TYPES, Page, Visual

SCHEMA_BASE = "https://developer.microsoft.com/json-schemas/fabric"
SCHEMAS = {
    "pbip": f"{SCHEMA_BASE}/pbip/pbipProperties/1.0.0/schema.json",
    "platform": f"{SCHEMA_BASE}/gitIntegration/platformProperties/2.0.0/schema.json",
    "pbir": f"{SCHEMA_BASE}/item/report/definitionProperties/2.0.0/schema.json",
    "pbism": f"{SCHEMA_BASE}/item/semanticModel/definitionProperties/1.0.0/schema.json",
    "version": f"{SCHEMA_BASE}/item/report/definition/versionMetadata/1.0.0/schema.json",
    "report": f"{SCHEMA_BASE}/item/report/definition/report/3.0.0/schema.json",
    "pages": f"{SCHEMA_BASE}/item/report/definition/pagesMetadata/1.0.0/schema.json",
    "page": f"{SCHEMA_BASE}/item/report/definition/page/2.0.0/schema.json",
    "visual": f"{SCHEMA_BASE}/item/report/definition/visualContainer/2.4.0/schema.json",
}
PROJECT_NAME = "shoplake"
REPORT_FOLDER = f"{PROJECT_NAME}.Report"
MODEL_FOLDER = f"{PROJECT_NAME}.SemanticModel"
PAGE_WIDTH, PAGE_HEIGHT = 1280, 720
MARGIN = 16
CARDS_HEIGHT = 120
BASE_THEME = "CY24SU10"
LOGICAL_ID_NAMESPACE = uuid.UUID("0c6f5a7e-3d2b-4f0e-9a61-5b8d7c4e2f19")


def to_json(document: dict[str, Any]) -> str:
    """Serialise a PBIR document the way the generator commits it: two-space indent, trailing newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def pbip_file() -> dict[str, Any]:
    return {
        "$schema": SCHEMAS["pbip"],
        "version": "1.0",
        "artifacts": [{"report": {"path": REPORT_FOLDER}}],
        "settings": {"enableAutoRecovery": True},
    }


def platform_file(item_type: str) -> dict[str, Any]:
    return {
        "$schema": SCHEMAS["platform"],
        "metadata": {"type": item_type, "displayName": PROJECT_NAME},
        "config": {"version": "2.0", "logicalId": str(uuid.uuid5(LOGICAL_ID_NAMESPACE, item_type))},
    }


def pbism_file() -> dict[str, Any]:
    return {"$schema": SCHEMAS["pbism"], "version": "4.0", "settings": {}}


def report_files() -> dict[str, dict[str, Any]]:
    """Return every JSON document of the report folder, keyed by its path inside the folder."""
    files: dict[str, dict[str, Any]] = {
        "definition.pbir": {
            "$schema": SCHEMAS["pbir"],
            "version": "4.0",
            "datasetReference": {"byPath": {"path": f"../{MODEL_FOLDER}"}},
        },
        "definition/version.json": {"$schema": SCHEMAS["version"], "version": "2.0.0"},
        "definition/report.json": _report_document(),
        "definition/pages/pages.json": {
            "$schema": SCHEMAS["pages"],
            "pageOrder": [page.name for page in PAGES],
            "activePageName": PAGES[0].name,
        },
    }
    for page in PAGES:
        files[f"definition/pages/{page.name}/page.json"] = _page_document(page)
        for visual, position in zip(page.visuals, _layout(page), strict=True):
            files[f"definition/pages/{page.name}/visuals/{visual.name}/visual.json"] = visual_document(visual, position)
    return files


def _report_document() -> dict[str, Any]:
    # NOTE: Power BI Desktop ships the built-in base themes; the report names one
    # and does not carry a copy under StaticResources.
    return {
        "$schema": SCHEMAS["report"],
        "themeCollection": {
            "baseTheme": {
                "name": BASE_THEME,
                "reportVersionAtImport": {"visual": "2.4.0", "report": "3.0.0", "page": "2.0.0"},
                "type": "SharedResources",
            }
        },
        "settings": {
            "useStylableVisualContainerHeader": True,
            "exportDataMode": "AllowSummarized",
            "defaultDrillFilterOtherVisuals": True,
        },
    }


def _page_document(page: Page) -> dict[str, Any]:
    return {
        "$schema": SCHEMAS["page"],
        "name": page.name,
        "displayName": page.title,
        "displayOption": "FitToPage",
        "height": PAGE_HEIGHT,
        "width": PAGE_WIDTH,
    }


def _layout(page: Page) -> list[dict[str, float]]:
    """Place the cards across the top and the charts in a two-column grid below them."""
    positions = []
    chart_width = (PAGE_WIDTH - 3 * MARGIN) / 2
    chart_height = (PAGE_HEIGHT - CARDS_HEIGHT - 4 * MARGIN) / 2
    chart_index = 0
    for order, visual in enumerate(page.visuals):
        box: dict[str, float]
        if visual.kind == "cards":
            box = {"x": MARGIN, "y": MARGIN, "width": PAGE_WIDTH - 2 * MARGIN, "height": CARDS_HEIGHT}
        else:
            row, column = divmod(chart_index, 2)
            box = {
                "x": MARGIN + column * (chart_width + MARGIN),
                "y": CARDS_HEIGHT + 2 * MARGIN + row * (chart_height + MARGIN),
                "width": chart_width,
                "height": chart_height,
            }
            chart_index += 1
        positions.append({**box, "z": order * 1000, "tabOrder": order * 1000})
    return positions


def measure_field(name: str, source: dict[str, str] | None = None) -> dict[str, Any]:
    """Return the query expression of a model measure, by entity (or by a query source alias)."""
    home = measure(name).table
    return {"Measure": {"Expression": {"SourceRef": source or {"Entity": home}}, "Property": name}}


def column_field(table: str, column: str, source: dict[str, str] | None = None) -> dict[str, Any]:
    """Return the query expression of a model column, by entity (or by a query source alias)."""
    return {"Column": {"Expression": {"SourceRef": source or {"Entity": table}}, "Property": column}}


def visual_document(visual: Visual, position: dict[str, float]) -> dict[str, Any]:
    """Return the visual.json document of one visual."""
    measure_projections = [
        {"field": measure_field(name), "queryRef": f"{measure(name).table}.{name}", "nativeQueryRef": name}
        for name in visual.measures
    ]
    if visual.category is None:
        query_state: dict[str, Any] = {"Values": {"projections": measure_projections}}
    else:
        table, column = visual.category
        category_projection: dict[str, Any] = {
            "field": column_field(table, column),
            "queryRef": f"{table}.{column}",
            "nativeQueryRef": column,
            "active": True,
        }
        query_state = {"Category": {"projections": [category_projection]}, "Y": {"projections": measure_projections}}

    query: dict[str, Any] = {"queryState": query_state}
    if visual.category is not None:
        query["sortDefinition"] = {"sort": [_sort_clause(visual)], "isDefaultSort": False}
    document: dict[str, Any] = {
        "$schema": SCHEMAS["visual"],
        "name": visual.name,
        "position": position,
        "visual": {
            "visualType": PBI_VISUAL_TYPES[visual.kind],
            "query": query,
            "visualContainerObjects": {"title": [{"properties": _title_properties(visual.title)}]},
            "drillFilterOtherVisuals": True,
        },
    }
    if visual.top is not None:
        document["filterConfig"] = {"filters": [_top_n_filter(visual)]}
    return document


def _sort_clause(visual: Visual) -> dict[str, Any]:
    assert visual.category is not None
    if visual.sort == "value":
        return {"field": measure_field(visual.measures[0]), "direction": "Descending"}
    return {"field": column_field(*visual.category), "direction": "Ascending"}


def _title_properties(text: str) -> dict[str, Any]:
    escaped = text.replace("'", "''")
    return {
        "show": {"expr": {"Literal": {"Value": "true"}}},
        "text": {"expr": {"Literal": {"Value": f"'{escaped}'"}}},
    }


def _top_n_filter(visual: Visual) -> dict[str, Any]:
    """Return a TopN filter that keeps the `top` category values with the highest first measure."""
    assert visual.category is not None and visual.top is not None
    table, column = visual.category
    first = visual.measures[0]
    subquery = {
        "Version": 2,
        "From": [
            {"Name": "c", "Entity": table, "Type": 0},
            {"Name": "m", "Entity": measure(first).table, "Type": 0},
        ],
        "Select": [{**column_field(table, column, {"Source": "c"}), "Name": "field"}],
        "OrderBy": [{"Direction": 2, "Expression": measure_field(first, {"Source": "m"})}],
        "Top": visual.top,
    }
    return {
        "name": f"{visual.name}_top_{visual.top}",
        "field": column_field(table, column),
        "type": "TopN",
        "filter": {
            "Version": 2,
            "From": [
                {"Name": "subquery", "Expression": {"Subquery": {"Query": subquery}}, "Type": 2},
                {"Name": "c", "Entity": table, "Type": 0},
            ],
            "Where": [
                {
                    "Condition": {
                        "In": {
                            "Expressions": [column_field(table, column, {"Source": "c"})],
                            "Table": {"SourceRef": {"Source": "subquery"}},
                        }
                    }
                }
            ],
        },
    }
