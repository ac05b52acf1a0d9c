"""Errors of the Firehose API, with AWS's error codes and HTTP statuses."""

from __future__ import annotations


class FirehoseApiError(Exception):
    """An error returned as `{"__type": code, "message": ...}`, the shape botocore parses."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def invalid_argument(message: str) -> FirehoseApiError:
    return FirehoseApiError("InvalidArgumentException", message)


def validation(message: str) -> FirehoseApiError:
    return FirehoseApiError("ValidationException", message)


def not_found(name: str, account: str) -> FirehoseApiError:
    return FirehoseApiError("ResourceNotFoundException", f"Firehose stream {name} under account {account} not found.")
