"""The star-schema tables the loader moves, with their keys and the column types read from the DDL files."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlglot import exp

from warehouse.sqlfiles import ddl_files, statements

STAR_SCHEMA = "star"
STAGING_SCHEMA = "stg"


@dataclass(frozen=True)
class Column:
    """One column of a table as its Redshift DDL declares it."""

    name: str
    position: int  # 1-based, as COPY matches Parquet columns
    type_name: str  # lower-case Redshift type: varchar, char, integer, bigint, decimal, date, timestamp, boolean...
    length: int | None  # bytes, for varchar and char
    precision: int | None
    scale: int | None
    not_null: bool


@dataclass(frozen=True)
class StarTable:
    """A dimension or fact that the loader copies from its extract."""

    name: str
    kind: str  # "dimension" or "fact"
    key: tuple[str, ...]


STAR_TABLES: tuple[StarTable, ...] = (
    StarTable("dim_date", "dimension", ("date_key",)),
    StarTable("dim_product", "dimension", ("product_key",)),
    StarTable("dim_customer", "dimension", ("customer_key",)),
    StarTable("dim_campaign", "dimension", ("campaign_key",)),
    StarTable("fact_network_traffic", "fact", ("session_id",)),
    StarTable("fact_transactions", "fact", ("payment_id",)),
    StarTable("fact_product_sales", "fact", ("order_id", "line_no")),
    StarTable("fact_campaign_interactions", "fact", ("event_id",)),
)

TYPE_NAMES = {
    exp.DataType.Type.SMALLINT: "smallint",
    exp.DataType.Type.INT: "integer",
    exp.DataType.Type.BIGINT: "bigint",
    exp.DataType.Type.DECIMAL: "decimal",
    exp.DataType.Type.DOUBLE: "double precision",
    exp.DataType.Type.FLOAT: "real",
    exp.DataType.Type.BOOLEAN: "boolean",
    exp.DataType.Type.CHAR: "char",
    exp.DataType.Type.VARCHAR: "varchar",
    exp.DataType.Type.DATE: "date",
    exp.DataType.Type.TIMESTAMP: "timestamp",
    exp.DataType.Type.TIMESTAMPTZ: "timestamptz",
}


def star_table(name: str) -> StarTable:
    for table in STAR_TABLES:
        if table.name == name:
            return table
    raise ValueError(f"unknown star table {name!r}; expected one of {', '.join(t.name for t in STAR_TABLES)}")


@cache
def columns(schema: str, name: str) -> tuple[Column, ...]:
    """Return the columns of `schema.name` from its CREATE TABLE statement in the DDL files."""
    for relative in ddl_files():
        for statement in statements(relative):
            if _creates_table(statement, schema, name):
                return tuple(_column(definition, position) for position, definition in
                             enumerate(statement.this.find_all(exp.ColumnDef), start=1))
    raise ValueError(f"table {schema}.{name} is not created by any file in warehouse/sql/ddl")


def _creates_table(statement: exp.Expression, schema: str, name: str) -> bool:
    if not isinstance(statement, exp.Create) or statement.args.get("kind") != "TABLE":
        return False
    target = statement.this.this if isinstance(statement.this, exp.Schema) else statement.this
    return isinstance(target, exp.Table) and target.db == schema and target.name == name


def _column(definition: exp.ColumnDef, position: int) -> Column:
    data_type = definition.args["kind"]
    params = [int(param.this.name) for param in data_type.expressions]
    type_name = TYPE_NAMES.get(data_type.this)
    if type_name is None:
        raise ValueError(f"column {definition.name}: type {data_type.sql('redshift')} has no loader mapping")
    not_null = any(isinstance(constraint.args.get("kind"), exp.NotNullColumnConstraint)
                   for constraint in definition.args.get("constraints") or [])
    length = None
    if type_name in ("varchar", "char"):
        default_length = 1 if type_name == "char" else 256  # Redshift's defaults for CHAR and VARCHAR
        length = params[0] if params else default_length
    return Column(
        name=definition.name,
        position=position,
        type_name=type_name,
        length=length,
        precision=params[0] if type_name == "decimal" and params else None,
        scale=params[1] if type_name == "decimal" and len(params) > 1 else None,
        not_null=not_null,
    )
