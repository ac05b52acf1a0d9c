"""Lambda handlers, the Firehose-compatible delivery service and the local event runner."""
