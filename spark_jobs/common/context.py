"""The arguments every job receives, and the lake paths derived from them."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date

# Glue job arguments every shoplake job requires (the local runner passes them from settings;
# on AWS they are the job's default arguments).
COMMON_ARGUMENTS = ["JOB_NAME", "logical_date", "raw_bucket", "staging_bucket", "curated_bucket", "quarantine_bucket"]


@dataclass(frozen=True)
class JobContext:
    """One job run: its name, logical date and the four lake buckets."""

    job_name: str
    logical_date: date
    raw_bucket: str
    staging_bucket: str
    curated_bucket: str
    quarantine_bucket: str
    options: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: dict[str, str], argv: list[str] | None = None) -> JobContext:
        """Build the context from `getResolvedOptions` output plus any optional `--key value` pairs."""
        try:
            logical_date = date.fromisoformat(args["logical_date"])
        except ValueError:
            raise ValueError(f"invalid --logical_date {args['logical_date']!r}: expected YYYY-MM-DD") from None
        return cls(
            job_name=args["JOB_NAME"],
            logical_date=logical_date,
            raw_bucket=args["raw_bucket"],
            staging_bucket=args["staging_bucket"],
            curated_bucket=args["curated_bucket"],
            quarantine_bucket=args["quarantine_bucket"],
            options=optional_arguments(sys.argv if argv is None else argv),
        )

    @property
    def dt(self) -> str:
        return self.logical_date.isoformat()

    def raw(self, key: str) -> str:
        return f"s3://{self.raw_bucket}/{key}"

    def staging(self, key: str) -> str:
        return f"s3://{self.staging_bucket}/{key}"

    def curated(self, key: str) -> str:
        return f"s3://{self.curated_bucket}/{key}"

    def quarantine(self, key: str) -> str:
        return f"s3://{self.quarantine_bucket}/{key}"

    def option(self, name: str, default: str) -> str:
        return self.options.get(name, default)


def optional_arguments(argv: list[str]) -> dict[str, str]:
    """Return every `--key value` or `--key=value` pair in `argv`; Glue passes optional arguments this way."""
    options: dict[str, str] = {}
    index = 1
    while index < len(argv):
        token = argv[index]
        if token.startswith("--") and "=" in token:
            key, _, value = token[2:].partition("=")
            options[key] = value
        elif token.startswith("--") and index + 1 < len(argv):
            options[token[2:]] = argv[index + 1]
            index += 1
        index += 1
    return options
