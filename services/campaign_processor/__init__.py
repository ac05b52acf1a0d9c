"""The campaign Lambda: Kinesis campaign events to staged JSON lines in S3."""
