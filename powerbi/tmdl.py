"""Write the semantic model as TMDL text: database, model, expressions, one file per table, relationships.

Every partition reads `star.<table>` through the Amazon Redshift connector,
`AmazonRedshift.Database(Server, Database)`, where Server and Database are model
parameters, so no host or credential is written into a table. Lineage tags are
UUIDs derived from object names, so regenerating the files gives the same text.
"""

from __future__ import annotations

import json
import re
import uuid

from powerbi import model
from powerbi.measures import AREA_TITLES, MEASURES, Measure

COMPATIBILITY_LEVEL = 1567
LINEAGE_NAMESPACE = uuid.UUID("6f1b4bd4-9a51-4d6e-8d4c-2f1c3e0b5a7d")
DEFAULT_SERVER = "shoplake.123456789012.eu-west-1.redshift-serverless.amazonaws.com:5439"
DEFAULT_DATABASE = "dev"
STORAGE_MODES = ("import", "directQuery")

_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
TAB = "\t"


def lineage_tag(*parts: str) -> str:
    """Return a stable lineage tag for the object named by `parts`."""
    return str(uuid.uuid5(LINEAGE_NAMESPACE, "/".join(parts)))


def tmdl_name(name: str) -> str:
    """Return `name` as TMDL writes it: bare when it is a plain identifier, else single-quoted."""
    if _PLAIN_NAME.match(name):
        return name
    return "'" + name.replace("'", "''") + "'"


def database_tmdl() -> str:
    return f"database\n{TAB}compatibilityLevel: {COMPATIBILITY_LEVEL}\n"


def model_tmdl() -> str:
    query_order = ["Server", "Database"] + [table.name for table in model.TABLES]
    lines = [
        "model Model",
        f"{TAB}culture: en-US",
        f"{TAB}defaultPowerBIDataSourceVersion: powerBI_V3",
        f"{TAB}discourageImplicitMeasures",
        f"{TAB}sourceQueryCulture: en-US",
        f"{TAB}dataAccessOptions",
        f"{TAB * 2}legacyRedirects",
        f"{TAB * 2}returnErrorValuesAsNull",
        "",
        f"annotation PBI_QueryOrder = {json.dumps(query_order, separators=(',', ':'))}",
        "",
        "annotation __PBI_TimeIntelligenceEnabled = 0",
        "",
    ]
    lines += [f"ref table {tmdl_name(table.name)}" for table in model.TABLES]
    return "\n".join(lines) + "\n"


def expressions_tmdl(server: str = DEFAULT_SERVER, database: str = DEFAULT_DATABASE) -> str:
    parameters = (
        ("Server", server, "Redshift endpoint as host:port (a Serverless workgroup or a provisioned cluster)."),
        ("Database", database, "Redshift database that holds the star schema."),
    )
    blocks = []
    for name, value, description in parameters:
        meta = 'meta [IsParameterQuery=true, Type="Text", IsParameterQueryRequired=true]'
        blocks.append(
            f"/// {description}\n"
            f"expression {name} = {json.dumps(value)} {meta}\n"
            f"{TAB}lineageTag: {lineage_tag('expression', name)}\n\n"
            f"{TAB}annotation PBI_ResultType = Text\n"
        )
    return "\n".join(blocks)


def relationships_tmdl() -> str:
    blocks = []
    for relationship in model.RELATIONSHIPS:
        blocks.append(
            f"relationship {lineage_tag('relationship', relationship.name)}\n"
            f"{TAB}crossFilteringBehavior: oneDirection\n"
            f"{TAB}fromColumn: {tmdl_name(relationship.from_table)}.{tmdl_name(relationship.from_column)}\n"
            f"{TAB}toColumn: {tmdl_name(relationship.to_table)}.{tmdl_name(relationship.to_column)}\n"
        )
    return "\n".join(blocks)


def table_tmdl(table: model.Table, traffic_mode: str = "import") -> str:
    """Return the TMDL of one table: its measures, columns and Redshift partition."""
    lines = [f"/// {table.description}", f"table {tmdl_name(table.name)}", f"{TAB}lineageTag: {lineage_tag(table.name)}"]
    if table.name == model.DATE_TABLE:
        lines.append(f"{TAB}dataCategory: Time")
    lines.append("")

    for hosted in (m for m in MEASURES if m.table == table.name):
        lines += _measure_lines(hosted)
    for column in table.columns:
        lines += _column_lines(table, column)
    lines += _partition_lines(table, _storage_mode(table, traffic_mode))
    lines += [f"{TAB}annotation PBI_ResultType = Table", ""]
    return "\n".join(lines)


def _storage_mode(table: model.Table, traffic_mode: str) -> str:
    if traffic_mode not in STORAGE_MODES:
        raise ValueError(f"invalid storage mode {traffic_mode!r} for fact_network_traffic; use one of {STORAGE_MODES}")
    if traffic_mode == "import":
        return "import"
    if table.direct_query_option:
        return "directQuery"
    # Dimensions of a DirectQuery fact are dual, so they filter it without a limited relationship.
    return "import" if table.is_fact else "dual"


def _measure_lines(hosted: Measure) -> list[str]:
    lines = [f"{TAB}/// {hosted.description}"]
    dax_lines = hosted.dax.splitlines()
    if len(dax_lines) == 1:
        lines.append(f"{TAB}measure {tmdl_name(hosted.name)} = {dax_lines[0]}")
    else:
        lines.append(f"{TAB}measure {tmdl_name(hosted.name)} =")
        lines += [f"{TAB * 3}{line}" for line in dax_lines]
    lines += [
        f"{TAB * 2}formatString: {hosted.format_string}",
        f"{TAB * 2}displayFolder: {AREA_TITLES[hosted.area]}",
        f"{TAB * 2}lineageTag: {lineage_tag(hosted.table, 'measure', hosted.name)}",
        "",
    ]
    return lines


def _column_lines(table: model.Table, column: model.Column) -> list[str]:
    lines = [f"{TAB}column {tmdl_name(column.name)}", f"{TAB * 2}dataType: {column.data_type}"]
    if column.hidden:
        lines.append(f"{TAB * 2}isHidden")
    if table.name == model.DATE_TABLE and column.name == model.DATE_COLUMN:
        lines.append(f"{TAB * 2}isKey")
    format_string = {"dateTime": "yyyy-mm-dd", "decimal": "#,0.00", "int64": "0"}.get(column.data_type)
    if format_string:
        lines.append(f"{TAB * 2}formatString: {format_string}")
    lines.append(f"{TAB * 2}lineageTag: {lineage_tag(table.name, column.name)}")
    summarize = "sum" if column.data_type in ("int64", "double", "decimal") and not _is_identifier(column) else "none"
    lines.append(f"{TAB * 2}summarizeBy: {summarize}")
    if column.sort_by:
        lines.append(f"{TAB * 2}sortByColumn: {tmdl_name(column.sort_by)}")
    lines += [f"{TAB * 2}sourceColumn: {column.name}", "", f"{TAB * 2}annotation SummarizationSetBy = Automatic", ""]
    return lines


def _is_identifier(column: model.Column) -> bool:
    names = ("_key", "_id", "line_no", "year", "quarter", "month", "day_of_month", "day_of_week", "week_of_year",
             "session_hour")
    return column.hidden or column.name.endswith(names)


def _partition_lines(table: model.Table, mode: str) -> list[str]:
    # NOTE: the schema and table navigation steps follow the Redshift connector's navigation
    # table (Name and Data columns); this project has not been opened in Power BI Desktop.
    steps = [
        "Source = AmazonRedshift.Database(Server, Database)",
        f'{model.WAREHOUSE_SCHEMA} = Source{{[Name = "{model.WAREHOUSE_SCHEMA}"]}}[Data]',
        f'{table.name} = {model.WAREHOUSE_SCHEMA}{{[Name = "{table.name}"]}}[Data]',
    ]
    previous = table.name
    for column in table.columns:
        if column.m_expression is not None:
            steps.append(f"{column.name} = {column.m_expression.format(previous=previous)}")
            previous = column.name
    m_lines = ["let"]
    m_lines += [f"    {step}," for step in steps[:-1]] + [f"    {steps[-1]}", "in", f"    {previous}"]
    lines = [f"{TAB}partition {tmdl_name(table.name)} = m", f"{TAB * 2}mode: {mode}", f"{TAB * 2}source ="]
    lines += [f"{TAB * 4}{line}" for line in m_lines]
    lines.append("")
    return lines
