"""A Firehose-compatible delivery service for the local profiles (`python -m services.firehose`)."""
