"""Read generated data back from the servers, independently of the generator's own code."""

import gzip
import json
import re
from datetime import datetime

import psycopg2

from shoplake import aws

LINE = re.compile(r'^(\S+) \S+ (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\S+) (\S+) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"$')
BOT_TOKENS = ("bot", "crawler", "spider", "slurp", "curl", "wget", "python-requests", "headless")


def s3_objects(settings, prefix):
    s3 = aws.client("s3", settings)
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.buckets.raw, Prefix=prefix):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return {key: s3.get_object(Bucket=settings.buckets.raw, Key=key)["Body"].read() for key in sorted(keys)}


def log_lines(settings):
    """Yield (key, text, ends_with_newline) for every access-log line."""
    for key, body in s3_objects(settings, "access_logs/").items():
        text = gzip.decompress(body).decode("utf-8")
        parts = text.split("\n")
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if last and part == "":
                continue
            yield key, part, not last


def parse_line(text):
    """Return the fields of a combined-format line as the contract describes them, or None if unparseable."""
    match = LINE.match(text)
    if match is None:
        return None
    ip, user, stamp, request, status, size, referrer, agent = match.groups()
    parts = request.split(" ")
    method, target = (parts[0], parts[1]) if len(parts) == 3 else (None, None)
    return {
        "ip": ip, "user": user, "ts": datetime.strptime(stamp, "%d/%b/%Y:%H:%M:%S %z"), "request": request,
        "method": method, "target": target, "protocol": parts[2] if len(parts) == 3 else None,
        "status": None if status == "-" else int(status), "bytes": size, "referrer": referrer, "agent": agent,
    }


def event_type(method, target):
    if method is None or method not in ("GET", "POST", "PUT", "DELETE", "PATCH") or not target.startswith("/"):
        return "probe"
    path = target.split("?", 1)[0]
    if path.startswith("/static/") or path.endswith((".css", ".js", ".png", ".jpg", ".svg", ".ico", ".woff2", ".txt", ".xml")):
        return "asset"
    if path.startswith("/api/") or method != "GET":
        return "api"
    return "click" if path == "/click" else "page_view"


def is_bot(agent):
    lowered = agent.strip().lower()
    return lowered in ("", "-") or any(token in lowered for token in BOT_TOKENS)


def kinesis_records(settings):
    """Return every record's data on the settings' stream, shard by shard from the start."""
    kinesis = aws.client("kinesis", settings)
    shards = kinesis.list_shards(StreamName=settings.campaign_stream)["Shards"]
    out = []
    for shard in sorted(shards, key=lambda s: s["ShardId"]):
        iterator = kinesis.get_shard_iterator(StreamName=settings.campaign_stream, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            response = kinesis.get_records(ShardIterator=iterator, Limit=10_000)
            out += [record["Data"] for record in response["Records"]]
            if not response["Records"] and response.get("MillisBehindLatest", 0) == 0:
                break
            iterator = response.get("NextShardIterator")
    return out


def query(settings, sql, params=()):
    connection = psycopg2.connect(settings.source_dsn())
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


def parse_event(data):
    try:
        return json.loads(data)
    except json.JSONDecodeError:
        return None
