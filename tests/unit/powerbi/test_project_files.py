"""The committed PBIP project is exactly what the generator writes, and it passes every check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from powerbi.generate import GENERATED_FOLDERS, PBIP_FILE, POWERBI_DIR, project_files, write_project
from powerbi.tmdl_reader import read_model
from powerbi.validate import ProjectValidationError, check_cross_references, check_project, check_schemas, json_files

VISUAL = "shoplake.Report/definition/pages/product_sales/visuals/top_products/visual.json"


def _committed_files() -> set[str]:
    found = {PBIP_FILE}
    for folder in GENERATED_FOLDERS:
        found |= {p.relative_to(POWERBI_DIR).as_posix() for p in (POWERBI_DIR / folder).rglob("*") if p.is_file()}
    return found


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    write_project(tmp_path)
    shutil.copytree(POWERBI_DIR / "schemas", tmp_path / "schemas")
    return tmp_path


def test_regenerating_gives_identical_files():
    generated = project_files()

    assert set(generated) == _committed_files()
    for relative, text in generated.items():
        assert (POWERBI_DIR / relative).read_text(encoding="utf-8") == text, f"{relative} differs; run python -m powerbi.generate"


def test_committed_project_passes_all_checks():
    check_project(POWERBI_DIR)


def test_every_json_file_has_a_schema():
    files = json_files(POWERBI_DIR)

    assert len(files) >= 30
    for path in files:
        assert json.loads(path.read_text())["$schema"].startswith("https://developer.microsoft.com/json-schemas/fabric/")


def test_broken_visual_field_names_file_and_field(project_copy):
    path = project_copy / VISUAL
    document = json.loads(path.read_text())
    document["visual"]["query"]["queryState"]["Y"]["projections"][0]["field"]["Measure"]["Property"] = "Revenu"
    path.write_text(json.dumps(document))

    with pytest.raises(ProjectValidationError) as raised:
        check_project(project_copy)

    message = str(raised.value)
    assert VISUAL in message
    assert "fact_product_sales.Revenu" in message


def test_broken_visual_column_is_reported(project_copy):
    path = project_copy / VISUAL
    document = json.loads(path.read_text())
    document["visual"]["query"]["queryState"]["Category"]["projections"][0]["field"]["Column"]["Property"] = "title"
    path.write_text(json.dumps(document))

    problems = [str(p) for p in check_cross_references(project_copy)]

    assert any(VISUAL in p and "dim_product.title" in p for p in problems), problems


def test_schema_violation_is_reported(project_copy):
    path = project_copy / VISUAL
    document = json.loads(path.read_text())
    document["position"]["depth"] = 3
    path.write_text(json.dumps(document))

    problems = [str(p) for p in check_schemas(project_copy)]

    assert any(VISUAL in p and "'depth' was unexpected" in p for p in problems), problems


def test_missing_relationship_column_is_reported(project_copy):
    path = project_copy / "shoplake.SemanticModel/definition/relationships.tmdl"
    path.write_text(path.read_text().replace("toColumn: dim_product.product_key", "toColumn: dim_product.sku", 1))

    problems = [str(p) for p in check_cross_references(project_copy)]

    assert any("relationships.tmdl" in p and "dim_product.sku" in p for p in problems), problems


def test_direct_query_variant_passes_checks(tmp_path):
    write_project(tmp_path, traffic_mode="directQuery")
    shutil.copytree(POWERBI_DIR / "schemas", tmp_path / "schemas")

    check_project(tmp_path)
    semantic_model = read_model(tmp_path / "shoplake.SemanticModel" / "definition")

    modes = {name: t.children_of("partition")[0].properties["mode"] for name, t in semantic_model.tables.items()}
    assert modes["fact_network_traffic"] == "directQuery"
    assert modes["dim_date"] == "dual"
    assert modes["fact_product_sales"] == "import"
