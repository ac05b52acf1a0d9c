"""Headless Chromium renders every dashboard area: Plotly drew its SVG charts and the screenshot is not blank."""

from __future__ import annotations

import pytest
from PIL import Image

from powerbi.measures import AREAS
from powerbi.report_spec import page
from powerbi.screenshots import dump_dom, screenshot


@pytest.mark.parametrize("area", AREAS)
def test_area_charts_rendered(dashboard_build, area):
    _, out_dir = dashboard_build

    dom = dump_dom(out_dir / f"{area}.html")

    for visual in page(area).visuals:
        start = dom.index(f'id="visual-{visual.name}"')
        section = dom[start:dom.find("</section>", start)]
        assert 'class="main-svg"' in section, f"{area}: visual {visual.name} has no Plotly SVG"


@pytest.mark.parametrize("area", AREAS)
def test_area_screenshot_not_blank(dashboard_build, area):
    _, out_dir = dashboard_build

    png = screenshot(out_dir / f"{area}.html", out_dir / "screenshots" / f"{area}.png")

    with Image.open(png) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert image.size[0] >= 1000
    assert colours is None or len(colours) > 50, f"{area}: screenshot has only {len(colours or [])} colours"
