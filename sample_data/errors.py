"""Errors of the generator; the CLI prints each as one line."""

from shoplake.errors import ShoplakeError


class GenerationError(ShoplakeError):
    """A source could not be written."""


class StackUnreachableError(GenerationError):
    """A server of the active profile does not answer."""

    exit_code = 3


class KinesisPublishError(GenerationError):
    """PutRecords kept failing for some entries after every retry."""
