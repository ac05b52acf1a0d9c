#!/bin/sh
# Create the lake buckets on MinIO; running it again changes nothing.
set -eu

mc alias set lake "$S3_ENDPOINT" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >/dev/null

for bucket in $BUCKETS; do
  mc mb --ignore-existing "lake/$bucket"
done
