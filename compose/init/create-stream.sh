#!/bin/sh
# Create the campaign Kinesis stream unless it exists, then wait until it is
# ACTIVE; running it again changes nothing.
set -eu

if aws kinesis describe-stream-summary --stream-name "$STREAM_NAME" >/dev/null 2>&1; then
  echo "stream $STREAM_NAME already exists"
else
  aws kinesis create-stream --stream-name "$STREAM_NAME" --shard-count "$SHARD_COUNT"
  echo "created stream $STREAM_NAME with $SHARD_COUNT shards"
fi

aws kinesis wait stream-exists --stream-name "$STREAM_NAME"
