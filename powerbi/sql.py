"""Build one SQL query per visual from the measures' SQL, the way Power BI evaluates DAX per category.

Each base measure becomes a CTE over its star table, joined to the dimensions it
needs and grouped by the visual's category column; derived measures combine
those CTE values. The SQL runs unchanged on Redshift and on PostgreSQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from powerbi import model
from powerbi.measures import Measure, measure
from powerbi.report_spec import Visual

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
FACT_ALIAS = "f"


class VisualQueryError(ValueError):
    """A visual combines a measure and a category that no relationship connects."""


@dataclass(frozen=True)
class VisualQuery:
    """The SQL of one visual and the names of its value columns, in the visual's measure order."""

    sql: str
    value_columns: tuple[str, ...]
    has_category: bool


def quote(identifier: str) -> str:
    """Validate a model identifier and return it double-quoted for SQL."""
    if not _IDENTIFIER.match(identifier):
        raise ValueError(f"invalid SQL identifier {identifier!r}: expected lowercase letters, digits and _")
    return f'"{identifier}"'


def base_measures(names: tuple[str, ...]) -> list[Measure]:
    """Return the base measures that the named measures need, in first-use order."""
    found: list[Measure] = []
    for name in names:
        current = measure(name)
        candidates = [current] if current.is_base else base_measures(tuple(current.referenced_measures()))
        for candidate in candidates:
            if candidate not in found:
                found.append(candidate)
    return found


def build_visual_query(visual: Visual, schema: str = model.WAREHOUSE_SCHEMA) -> VisualQuery:
    """Return the SQL that computes every measure of `visual` per category value."""
    bases = base_measures(visual.measures)
    ctes = [f"b{index} AS (\n{_base_cte(base, visual, schema)}\n)" for index, base in enumerate(bases)]
    base_index = {base.name: index for index, base in enumerate(bases)}
    values = [f"{_measure_expression(name, base_index)} AS m{index}" for index, name in enumerate(visual.measures)]
    value_columns = tuple(f"m{index}" for index in range(len(visual.measures)))

    if visual.category is None:
        sources = " CROSS JOIN ".join(f"b{index}" for index in range(len(bases)))
        sql = f"WITH {', '.join(ctes)}\nSELECT {', '.join(values)}\nFROM {sources}"
        return VisualQuery(sql, value_columns, has_category=False)

    union = "\n    UNION\n".join(f"    SELECT category, category_sort FROM b{index}" for index in range(len(bases)))
    ctes.append(f"categories AS (\n{union}\n)")
    joins = "\n".join(
        f"LEFT JOIN b{index} ON (b{index}.category = c.category OR (b{index}.category IS NULL AND c.category IS NULL))"
        for index in range(len(bases))
    )
    sql = (
        f"WITH {', '.join(ctes)}\n"
        f"SELECT c.category, c.category_sort, {', '.join(values)}\n"
        f"FROM categories AS c\n{joins}"
    )
    return VisualQuery(sql, value_columns, has_category=True)


def _measure_expression(name: str, base_index: dict[str, int]) -> str:
    current = measure(name)
    if current.is_base:
        return f"b{base_index[current.name]}.value"

    def substitute(match: re.Match[str]) -> str:
        return f"({_measure_expression(match.group(1), base_index)})"

    return _PLACEHOLDER.sub(substitute, current.sql)


def _base_cte(base: Measure, visual: Visual, schema: str) -> str:
    assert base.fact is not None
    dimensions = list(base.joins)
    category = _category_sql(base, visual)
    if visual.category is not None and visual.category[0] != base.fact and visual.category[0] not in dimensions:
        dimensions.append(visual.category[0])
    source = _from_clause(base.fact, dimensions, schema)

    if base.per is None:
        if category is None:
            return f"    SELECT {base.sql} AS value\n    {source}"
        label, sort_key = category
        return (
            f"    SELECT {label} AS category, {sort_key} AS category_sort, {base.sql} AS value\n"
            f"    {source}\n    GROUP BY {label}, {sort_key}"
        )

    if category is None:
        inner = f"SELECT {base.per} AS per_key, {base.inner} AS inner_value\n        {source}\n        GROUP BY {base.per}"
        return f"    SELECT {base.sql} AS value\n    FROM (\n        {inner}\n    ) AS g"
    label, sort_key = category
    inner = (
        f"SELECT {label} AS category, {sort_key} AS category_sort, {base.per} AS per_key, {base.inner} AS inner_value\n"
        f"        {source}\n        GROUP BY {label}, {sort_key}, {base.per}"
    )
    return (
        f"    SELECT g.category, g.category_sort, {base.sql} AS value\n"
        f"    FROM (\n        {inner}\n    ) AS g\n    GROUP BY g.category, g.category_sort"
    )


def _category_sql(base: Measure, visual: Visual) -> tuple[str, str] | None:
    """Return the SQL of the category label and of its sort key, as seen from `base`'s table."""
    if visual.category is None:
        return None
    table_name, column_name = visual.category
    assert base.fact is not None
    if table_name != base.fact and model.relationship_between(base.fact, table_name) is None:
        raise VisualQueryError(
            f"visual {visual.name!r}: measure {base.name!r} aggregates {base.fact}, which no relationship "
            f"connects to the category {table_name}.{column_name}; pick a category on {base.fact} or one of its dimensions"
        )
    alias = FACT_ALIAS if table_name == base.fact else table_name
    column = model.table(table_name).column(column_name)
    label = _column_sql(column, alias)
    sort_key = _column_sql(model.table(table_name).column(column.sort_by), alias) if column.sort_by else label
    return label, sort_key


def _column_sql(column: model.Column, alias: str) -> str:
    if column.sql_expression is not None:
        return column.sql_expression.format(alias=alias)
    return f"{alias}.{quote(column.name)}"


def _from_clause(fact: str, dimensions: list[str], schema: str) -> str:
    lines = [f"FROM {quote(schema)}.{quote(fact)} AS {FACT_ALIAS}"]
    for dimension in dimensions:
        relationship = model.relationship_between(fact, dimension)
        if relationship is None:
            raise VisualQueryError(f"no relationship from {fact} to {dimension}; the measure cannot join it")
        lines.append(
            f"    LEFT JOIN {quote(schema)}.{quote(dimension)} AS {dimension} "
            f"ON {FACT_ALIAS}.{quote(relationship.from_column)} = {dimension}.{quote(relationship.to_column)}"
        )
    return "\n".join(lines)
