"""Validation of the SQL identifiers and S3 locations that the runner puts into statements."""

from __future__ import annotations

import re

from sqlglot import exp

IDENTIFIER_PATTERN = re.compile(r"[a-z_][a-z0-9_]{0,126}")
BUCKET_PATTERN = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
ROLE_ARN_PATTERN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}")


def identifier(name: str) -> str:
    """Return `name` when it is a lower-case SQL identifier of at most 127 bytes; raise ValueError otherwise."""
    if not IDENTIFIER_PATTERN.fullmatch(name):
        raise ValueError(f"invalid SQL identifier {name!r}: expected lower-case letters, digits and _ (max 127)")
    return name


def table(schema: str, name: str) -> exp.Table:
    """Return a quoted `schema.name` table expression after validating both parts."""
    return exp.Table(
        this=exp.to_identifier(identifier(name), quoted=True),
        db=exp.to_identifier(identifier(schema), quoted=True),
    )


def bucket(name: str) -> str:
    if not BUCKET_PATTERN.fullmatch(name) or ".." in name:
        raise ValueError(f"invalid S3 bucket name {name!r}; check the [buckets] settings")
    return name


def role_arn(arn: str) -> str:
    if not ROLE_ARN_PATTERN.fullmatch(arn):
        raise ValueError(f"invalid IAM role ARN {arn!r}; check [warehouse] copy_role_arn in the settings")
    return arn
