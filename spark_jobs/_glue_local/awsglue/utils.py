"""`getResolvedOptions`, parsed the way Glue parses job arguments."""

from __future__ import annotations

import argparse

# Arguments that Glue itself passes to every job run; accepted and ignored unless asked for.
GLUE_RESERVED = ("job-bookmark-option", "JOB_ID", "JOB_RUN_ID", "SECURITY_CONFIGURATION", "TempDir", "RedshiftTempDir")


class GlueArgumentError(Exception):
    """A job argument that the script asked for is missing."""


def getResolvedOptions(args: list[str], options: list[str]) -> dict[str, str]:  # noqa: N802 (Glue's name)
    """Return the values of `--<option>` for each option, from `args` (usually `sys.argv`)."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    for name in dict.fromkeys([*GLUE_RESERVED, *options]):
        parser.add_argument(f"--{name}", dest=name)
    parsed, _unknown = parser.parse_known_args(args[1:])

    values = vars(parsed)
    missing = [name for name in options if values.get(name) is None]
    if missing:
        flags = ", ".join(f"--{name}" for name in missing)
        raise GlueArgumentError(f"the following arguments are required: {flags}")
    return {name: values[name] for name in options}
