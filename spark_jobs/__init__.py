"""Glue job scripts (one file per job), their shared helpers and the local runner."""
