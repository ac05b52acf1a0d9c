"""DMS-compatible replicator: PostgreSQL full load and CDC written in AWS DMS's S3 target file layout."""
