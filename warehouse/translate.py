"""Redshift → PostgreSQL translation for the local stand-in: sqlglot plus the rewrites listed in REWRITES.

Every rewrite is documented in the README's "Parity" section and has a unit test.
"""

from __future__ import annotations

from sqlglot import exp

from warehouse.sqlfiles import DIALECT

TARGET_DIALECT = "postgres"

# Rewrites of the stand-in beyond sqlglot's own dialect translation, by name.
REWRITES = {
    "storage_clauses": "DISTSTYLE, DISTKEY, SORTKEY and column ENCODE are dropped (PostgreSQL has no equivalent).",
    "backup_no": "BACKUP NO becomes UNLOGGED: both mark a table whose content can be rebuilt.",
    "key_constraints": "PRIMARY KEY, UNIQUE and REFERENCES are dropped: Redshift does not enforce them, "
                       "and PostgreSQL would, hiding duplicates that Redshift keeps.",
    "copy_parquet": "COPY ... FROM 's3://...' FORMAT AS PARQUET is not sent to PostgreSQL: the runner lists the "
                    "prefix with boto3, reads the Parquet with pyarrow and streams it through COPY FROM STDIN.",
    "iam_role": "IAM_ROLE and CREDENTIALS of COPY are ignored: the local S3 reads use the profile's boto3 credentials.",
}

STORAGE_PROPERTIES = (exp.DistKeyProperty, exp.DistStyleProperty, exp.SortKeyProperty)
KEY_CONSTRAINTS = (exp.PrimaryKey, exp.PrimaryKeyColumnConstraint, exp.UniqueColumnConstraint, exp.Reference,
                   exp.ForeignKey)


def to_postgres(statement: exp.Expression) -> str:
    """Return the PostgreSQL text of one Redshift statement; `:name` parameters become `%(name)s`."""
    if isinstance(statement, exp.Copy):
        raise ValueError("COPY is emulated by the runner (see warehouse.copy_emulation), not translated")
    rewritten = statement.copy()
    if isinstance(rewritten, exp.Create):
        _drop_storage_clauses(rewritten)
        _drop_key_constraints(rewritten)
    return rewritten.sql(dialect=TARGET_DIALECT, comments=False)


def to_redshift(statement: exp.Expression) -> str:
    """Return the Redshift text of a parsed statement, as sent to the Data API, with `:name` parameters."""
    # sqlglot's Redshift generator writes placeholders as %(name)s, which the Data API does not bind.
    named = statement.transform(
        lambda node: exp.var(f":{node.name}") if isinstance(node, exp.Placeholder) and node.name else node)
    return named.sql(dialect=DIALECT, comments=False)


def _drop_storage_clauses(create: exp.Create) -> None:
    properties = create.args.get("properties")
    if properties is not None:
        kept: list[exp.Expression] = []
        for prop in properties.expressions:
            if isinstance(prop, STORAGE_PROPERTIES):
                continue
            if isinstance(prop, exp.BackupProperty):
                if prop.this.name.upper() == "NO":
                    kept.append(exp.UnloggedProperty())
                continue
            kept.append(prop)
        if kept:
            properties.set("expressions", kept)
        else:
            create.set("properties", None)

    for constraint in list(create.find_all(exp.ColumnConstraint)):
        if isinstance(constraint.args.get("kind"), exp.EncodeColumnConstraint):
            constraint.pop()


def _drop_key_constraints(create: exp.Create) -> None:
    for node in list(create.find_all(*KEY_CONSTRAINTS)):
        parent = node.parent
        if isinstance(parent, exp.ColumnConstraint):
            parent.pop()
        else:
            node.pop()
