"""Exceptions of shoplake; each message names the value and what to do next."""


class ShoplakeError(Exception):
    """Base class; the CLI prints the message as one line and exits with `exit_code`."""

    exit_code = 1


class SettingsError(ShoplakeError):
    """A settings file, key or value is missing or invalid."""

    exit_code = 2


class StackError(ShoplakeError):
    """A local server could not start, stop or answer its health check."""

    exit_code = 3


class JavaError(ShoplakeError):
    """Java is missing or is not the version Spark 3.5 needs."""

    exit_code = 4


class StackNotRunningError(StackError):
    """The embedded stack is not up, so its endpoints are unknown."""
