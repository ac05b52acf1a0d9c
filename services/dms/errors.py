"""Exceptions of the replicator; each message names the object and what to do next."""

from shoplake.errors import ShoplakeError


class ReplicatorError(ShoplakeError):
    """Base class of the replicator's failures."""

    exit_code = 5


class ConfigError(ReplicatorError):
    """A table-mappings, task-settings or endpoint file is missing or invalid."""


class SourceTableError(ReplicatorError):
    """A selected source table cannot be replicated as it is defined (no primary key, not found)."""


class DecodingError(ReplicatorError):
    """A logical-decoding message could not be parsed."""


class SchemaChangeError(ReplicatorError):
    """A table's columns changed in a way the CDC files cannot follow."""


class UnsupportedChangeError(ReplicatorError):
    """A change (TRUNCATE, unchanged TOAST without an old tuple) has no DMS file representation."""


class ValueConversionError(ReplicatorError):
    """A source value does not fit the Parquet type of its column."""


class FullLoadRequiredError(ReplicatorError):
    """CDC was asked to run before a full load completed."""


class SlotInUseError(ReplicatorError):
    """Another replicator process is using the task's replication slot, or created it at the same moment."""
