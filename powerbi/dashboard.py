"""The Linux dashboard: static Plotly HTML, one page per insight area, with the same measures as the report.

`build(settings, out_dir)` reads the active profile's warehouse (PostgreSQL
locally, the Redshift Data API on `aws`), writes `<area>.html` per area, an
`index.html`, `plotly.min.js` (so no page needs the network) and
`figures.json` with every value shown, and returns that same dictionary.
"""

from __future__ import annotations

import html
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from powerbi.figures import compute_figures
from powerbi.measures import measure
from powerbi.report_spec import PAGES

if TYPE_CHECKING:
    from shoplake.settings import Settings

log = logging.getLogger(__name__)

FIGURES_FILE = "figures.json"
PLOTLY_JS_FILE = "plotly.min.js"
PALETTE = ("#1f6f8b", "#e07a5f", "#3d405b", "#81b29a", "#f2cc8f", "#99a1a6")


def build(settings: Settings, out_dir: Path) -> dict[str, Any]:
    """Query the warehouse, write the dashboard files into `out_dir` and return the figure values."""
    from warehouse.runner import open_runner

    with open_runner(settings) as runner:
        areas = compute_figures(runner)
    figures = {"profile": settings.profile, "warehouse_engine": settings.warehouse_engine, "areas": areas}
    write_dashboard(figures, out_dir)
    return figures


def write_dashboard(figures: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write the HTML pages, plotly.min.js and figures.json for already computed figures."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / PLOTLY_JS_FILE).write_text(get_plotlyjs(), encoding="utf-8")
    (out_dir / FIGURES_FILE).write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    pages = []
    for page in PAGES:
        area = figures["areas"][page.area]
        path = out_dir / f"{page.area}.html"
        path.write_text(_area_html(page.area, area), encoding="utf-8")
        pages.append(path)
    (out_dir / "index.html").write_text(_index_html(figures), encoding="utf-8")
    log.info("dashboard written to %s (%d area pages)", out_dir, len(pages))
    return pages


def figure_for(name: str, visual: dict[str, Any]) -> go.Figure:
    """Return the Plotly figure of one computed visual."""
    if visual["kind"] == "cards":
        return _cards_figure(visual)

    figure = go.Figure()
    categories = [str(row["category"]) for row in visual["rows"]]
    for index, measure_name in enumerate(visual["measures"]):
        values = [row["values"][measure_name] for row in visual["rows"]]
        color = PALETTE[index % len(PALETTE)]
        hover = f"%{{{'x' if visual['kind'] == 'bar' else 'y'}:{measure(measure_name).plotly_format}}}"
        if visual["kind"] == "line":
            trace = go.Scatter(x=categories, y=values, name=measure_name, mode="lines+markers",
                               line={"color": color}, hovertemplate=f"{measure_name}: {hover}<extra></extra>")
        elif visual["kind"] == "bar":
            trace = go.Bar(y=categories, x=values, name=measure_name, orientation="h", marker={"color": color},
                           hovertemplate=f"{measure_name}: {hover}<extra></extra>")
        else:
            trace = go.Bar(x=categories, y=values, name=measure_name, marker={"color": color},
                           hovertemplate=f"{measure_name}: {hover}<extra></extra>")
        figure.add_trace(trace)

    first_format = measure(visual["measures"][0]).plotly_format
    figure.update_layout(title=visual["title"], barmode="group", height=380, margin={"l": 140, "r": 20, "t": 60, "b": 60},
                         legend={"orientation": "h", "y": -0.2}, template="plotly_white")
    if visual["kind"] == "bar":
        figure.update_yaxes(autorange="reversed", type="category")
        figure.update_xaxes(tickformat=first_format)
    else:
        figure.update_xaxes(type="category")
        figure.update_yaxes(tickformat=first_format)
    return figure


def _cards_figure(visual: dict[str, Any]) -> go.Figure:
    figure = go.Figure()
    values = visual["rows"][0]["values"] if visual["rows"] else {}
    count = len(visual["measures"])
    for index, measure_name in enumerate(visual["measures"]):
        value = values.get(measure_name)
        figure.add_trace(go.Indicator(
            mode="number",
            value=value if value is not None else 0,
            number={"valueformat": measure(measure_name).plotly_format, "font": {"size": 34}},
            title={"text": measure_name if value is not None else f"{measure_name} (blank)", "font": {"size": 14}},
            domain={"x": [index / count + 0.01, (index + 1) / count - 0.01], "y": [0, 1]},
        ))
    figure.update_layout(title=visual["title"], height=200, margin={"l": 20, "r": 20, "t": 50, "b": 10},
                         template="plotly_white")
    return figure


def _area_html(area_name: str, area: dict[str, Any]) -> str:
    blocks = []
    for name, visual in area["visuals"].items():
        figure = figure_for(name, visual)
        div = figure.to_html(full_html=False, include_plotlyjs=False, div_id=f"visual-{name}",
                             config={"displaylogo": False, "responsive": True})
        blocks.append(f'<section class="visual" data-visual="{html.escape(name)}">{div}</section>')
    title = html.escape(area["title"])
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>shoplake: {title}</title>\n<script src=\"{PLOTLY_JS_FILE}\"></script>\n"
        "<style>body{font-family:sans-serif;margin:16px;background:#fafafa}"
        ".grid{display:grid;grid-template-columns:1fr 1fr;gap:12px}"
        ".visual:first-child{grid-column:1 / span 2}.visual{background:#fff;border:1px solid #ddd}</style>\n"
        f"</head>\n<body data-area=\"{html.escape(area_name)}\">\n<h1>{title}</h1>\n<p><a href=\"index.html\">All areas</a></p>\n"
        f"<div class=\"grid\">\n{chr(10).join(blocks)}\n</div>\n</body>\n</html>\n"
    )


def _index_html(figures: dict[str, Any]) -> str:
    links = "\n".join(
        f'<li><a href="{page.area}.html">{html.escape(figures["areas"][page.area]["title"])}</a></li>' for page in PAGES
    )
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>shoplake dashboard</title>\n"
        "</head>\n<body>\n<h1>shoplake dashboard</h1>\n"
        f"<p>Profile {html.escape(figures['profile'])}, warehouse engine {html.escape(figures['warehouse_engine'])}. "
        f"Every value shown is in <a href=\"{FIGURES_FILE}\">{FIGURES_FILE}</a>.</p>\n"
        f"<ul>\n{links}\n</ul>\n</body>\n</html>\n"
    )
