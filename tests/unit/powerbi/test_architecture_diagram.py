"""The README shows the rendered architecture diagram, and its Graphviz source is in the repository."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_readme_shows_diagram():
    assert "![shoplake architecture](docs/architecture.png)" in (ROOT / "README.md").read_text()


def test_diagram_image_is_png_with_source():
    image = (ROOT / "docs" / "architecture.png").read_bytes()
    source = (ROOT / "docs" / "architecture.dot").read_text()

    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    for node in ("web_logs", "staging", "curated", "quarantine", "star", "powerbi", "dashboard", "airflow"):
        assert f"{node} " in source or f"{node}\n" in source, node
