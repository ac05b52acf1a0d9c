"""The embedded stack: local servers that stand in for S3, Kinesis, Firehose and PostgreSQL."""
