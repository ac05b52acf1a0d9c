"""The log-processor Lambda: Apache and Nginx access logs from S3 to Firehose."""
