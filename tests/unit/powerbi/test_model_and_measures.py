"""The TMDL reads back as the model and measures it was generated from; DAX and SQL name the same measures."""

from __future__ import annotations

import re

import pytest
import sqlglot

from powerbi import model
from powerbi.generate import POWERBI_DIR
from powerbi.measures import AREAS, MEASURES, measure
from powerbi.report_spec import PAGES, Visual
from powerbi.sql import VisualQueryError, build_visual_query
from powerbi.tmdl_reader import TmdlSyntaxError, parse_document, read_model

DEFINITION = POWERBI_DIR / "shoplake.SemanticModel" / "definition"
DAX_MEASURE_REFERENCE = re.compile(r"(?<![\w'\]])\[([^\]]+)\]")
DAX_COLUMN_REFERENCE = re.compile(r"\b([a-z_]+)\[([a-z0-9_]+)\]")


@pytest.fixture(scope="module")
def semantic_model():
    return read_model(DEFINITION)


def test_tmdl_has_expected_tables_and_columns(semantic_model):
    assert set(semantic_model.tables) == {table.name for table in model.TABLES}
    assert semantic_model.table_refs == [table.name for table in model.TABLES]
    for table in model.TABLES:
        assert semantic_model.columns(table.name) == {column.name for column in table.columns}, table.name


def test_tmdl_has_expected_measures(semantic_model):
    for defined in MEASURES:
        assert semantic_model.measures(defined.table)[defined.name] == defined.dax, defined.name
    assert len(semantic_model.all_measures()) == len(MEASURES)


def test_tmdl_partitions_use_redshift_parameters(semantic_model):
    for name, table in semantic_model.tables.items():
        partition = table.children_of("partition")[0]
        assert partition.properties["mode"] == "import", name
        assert "AmazonRedshift.Database(Server, Database)" in partition.properties["source"], name
    assert set(semantic_model.expressions) == {"Server", "Database"}
    assert 'IsParameterQuery=true' in semantic_model.expressions["Server"].expression


def test_relationships_many_to_one_single_direction(semantic_model):
    ends = {(r.properties["fromColumn"], r.properties["toColumn"]) for r in semantic_model.relationships}

    assert ("fact_product_sales.product_key", "dim_product.product_key") in ends
    assert len(ends) == len(model.RELATIONSHIPS) == 12
    assert all(r.properties["crossFilteringBehavior"] == "oneDirection" for r in semantic_model.relationships)


def test_date_table_is_marked(semantic_model):
    dim_date = semantic_model.tables["dim_date"]
    keys = [c.name for c in dim_date.children_of("column") if "isKey" in c.flags]

    assert dim_date.properties["dataCategory"] == "Time"
    assert keys == ["calendar_date"]


def test_reader_rejects_unknown_line():
    with pytest.raises(TmdlSyntaxError, match="outside the TMDL subset"):
        parse_document("table t\n\tcolumn c\n\t\tdataType: int64\n\t\t!!bad\n", "bad.tmdl")


def test_reader_reads_quoted_names_and_multiline_expressions():
    text = "table t\n\tmeasure 'It''s big' =\n\t\t\tSUM(t[x])\n\t\t\t+ 1\n\t\tformatString: 0\n"

    table = parse_document(text)[0]

    assert table.children[0].name == "It's big"
    assert table.children[0].expression == "SUM(t[x])\n+ 1"
    assert table.children[0].properties == {"formatString": "0"}


@pytest.mark.parametrize("defined", [m for m in MEASURES if not m.is_base], ids=lambda m: m.name)
def test_derived_measure_dax_and_sql_use_same_measures(defined):
    assert DAX_MEASURE_REFERENCE.findall(defined.dax) == defined.referenced_measures()


@pytest.mark.parametrize("defined", [m for m in MEASURES if m.is_base], ids=lambda m: m.name)
def test_base_measure_columns_exist(defined):
    for table_name, column_name in DAX_COLUMN_REFERENCE.findall(defined.dax):
        assert model.table(table_name).has_column(column_name), f"{defined.name}: {table_name}[{column_name}]"
    for column_name in re.findall(r"\bf\.([a-z0-9_]+)", defined.sql + (defined.inner or "") + (defined.per or "")):
        assert model.table(defined.fact).has_column(column_name), f"{defined.name}: f.{column_name}"


def test_one_page_per_area_and_known_measures():
    assert tuple(page.area for page in PAGES) == AREAS
    for page in PAGES:
        for visual in page.visuals:
            for name in visual.measures:
                measure(name)


@pytest.mark.parametrize("visual", [v for p in PAGES for v in p.visuals], ids=lambda v: v.name)
def test_visual_sql_parses_for_redshift_and_postgres(visual):
    query = build_visual_query(visual)

    sqlglot.parse_one(query.sql, read="redshift")
    sqlglot.parse_one(query.sql, read="postgres")
    assert len(query.value_columns) == len(visual.measures)


def test_unrelated_category_is_rejected():
    visual = Visual("bad", "Bad", "column", ("Sessions",), ("dim_product", "category"))

    with pytest.raises(VisualQueryError, match="no relationship"):
        build_visual_query(visual)
