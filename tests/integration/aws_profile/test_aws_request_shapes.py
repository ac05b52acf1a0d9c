"""The `aws` profile's real code paths against a moto server: what each AWS call sends.

moto serves the AWS APIs over a socket (it moves no data for Glue, DMS or the
Redshift Data API); its request recorder returns the exact JSON each call sent.
"""

from __future__ import annotations

import base64
import json

import boto3
import pytest

from shoplake.adapters import dms, glue, redshift
from shoplake.adapters.polling import PollPolicy

pytestmark = pytest.mark.integration

FAST_POLL = PollPolicy(delay_s=0.1, timeout_s=20.0)
LOGICAL_DATE = "2026-11-02"


def test_glue_start_job_run_arguments(moto_aws, moto_server) -> None:
    boto3.client("glue").create_job(Name="shoplake-catalog_ingest", Role="arn:aws:iam::123456789012:role/glue",
                                    Command={"Name": "glueetl", "ScriptLocation": "s3://scripts/catalog_ingest.py"},
                                    GlueVersion="5.0")

    result = glue.run_job(moto_aws, "catalog_ingest", LOGICAL_DATE, {"scale": "1"}, poll=FAST_POLL)
    (sent,) = moto_server.requests("AWSGlue.StartJobRun")

    assert sent == {"JobName": "shoplake-catalog_ingest",
                    "Arguments": {"--logical_date": LOGICAL_DATE, "--scale": "1"}}
    assert result["state"] == "SUCCEEDED"
    assert result["mode"] == "aws-glue"


def test_glue_run_polls_get_job_run(moto_aws, moto_server) -> None:
    boto3.client("glue").create_job(Name="shoplake-star_schema", Role="arn:aws:iam::123456789012:role/glue",
                                    Command={"Name": "glueetl", "ScriptLocation": "s3://scripts/star_schema.py"})

    result = glue.run_job(moto_aws, "star_schema", LOGICAL_DATE, poll=FAST_POLL)
    polls = moto_server.requests("AWSGlue.GetJobRun")

    assert polls
    assert polls[-1] == {"JobName": "shoplake-star_schema", "RunId": result["job_run_id"]}


def _create_dms_task() -> str:
    client = boto3.client("dms")
    instance = client.create_replication_instance(ReplicationInstanceIdentifier="shoplake",
                                                  ReplicationInstanceClass="dms.t3.medium")
    source = client.create_endpoint(EndpointIdentifier="shoplake-source", EndpointType="source",
                                    EngineName="postgres", DatabaseName="shop_source")
    target = client.create_endpoint(EndpointIdentifier="shoplake-target", EndpointType="target", EngineName="s3",
                                    S3Settings={"BucketName": "shoplake-staging", "BucketFolder": "dms"})
    task = client.create_replication_task(
        ReplicationTaskIdentifier="shoplake-orders",
        SourceEndpointArn=source["Endpoint"]["EndpointArn"],
        TargetEndpointArn=target["Endpoint"]["EndpointArn"],
        ReplicationInstanceArn=instance["ReplicationInstance"]["ReplicationInstanceArn"],
        MigrationType="full-load-and-cdc",
        TableMappings=json.dumps({"rules": []}))
    return str(task["ReplicationTask"]["ReplicationTaskArn"])


def _settings_with_task(settings, arn: str):
    from dataclasses import replace

    return replace(settings, extra=settings.extra | {"dms": {"replication_task_arn": arn}})


def test_dms_start_replication_task(moto_aws, moto_server) -> None:
    arn = _create_dms_task()
    # moto 5.2.5 leaves a new task in "creating" for ever, where AWS moves it to "ready";
    # a start and a stop give the task a steady state that the adapter can act on.
    boto3.client("dms").start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    boto3.client("dms").stop_replication_task(ReplicationTaskArn=arn)
    moto_server.restart_recording()

    result = dms.run_task(_settings_with_task(moto_aws, arn), poll=FAST_POLL)
    (sent,) = moto_server.requests("AmazonDMSv20160101.StartReplicationTask")

    assert sent == {"ReplicationTaskArn": arn, "StartReplicationTaskType": "resume-processing"}
    assert result["status"] == "running"
    assert result["statistics"]["FullLoadProgressPercent"] == 100


def test_dms_running_task_not_restarted(moto_aws, moto_server) -> None:
    arn = _create_dms_task()
    boto3.client("dms").start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    moto_server.restart_recording()

    result = dms.run_task(_settings_with_task(moto_aws, arn), poll=FAST_POLL)

    assert moto_server.requests("AmazonDMSv20160101.StartReplicationTask") == []
    assert moto_server.requests("AmazonDMSv20160101.DescribeReplicationTasks")[0]["Filters"] == [
        {"Name": "replication-task-arn", "Values": [arn]}]
    assert result["status"] == "running"


def test_redshift_execute_statement(moto_aws, moto_server) -> None:
    from warehouse.errors import StatementTimeoutError

    # moto 5.2.5 keeps every Data API statement STARTED, so the wait ends in a timeout here.
    with pytest.raises(StatementTimeoutError):
        redshift.run_sql(moto_aws, "SELECT COUNT(*) FROM star.fact_transactions WHERE date_key = :date_key",
                         {"date_key": 20261102}, statement_timeout_s=1.0)
    (sent,) = moto_server.requests("RedshiftData.ExecuteStatement")

    assert sent["WorkgroupName"] == "shoplake"
    assert sent["Database"] == "dev"
    assert sent["Parameters"] == [{"name": "date_key", "value": "20261102"}]
    assert ":date_key" in sent["Sql"]
    assert "SessionKeepAliveSeconds" in sent


def test_firehose_put_record_batch(moto_aws, moto_server) -> None:
    from services.log_processor.sender import Entry, FirehoseBatchSender
    from shoplake import aws

    boto3.client("s3").create_bucket(Bucket="shoplake-staging",
                                     CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    aws.client("firehose", moto_aws).create_delivery_stream(
        DeliveryStreamName=moto_aws.firehose_stream, DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={"BucketARN": "arn:aws:s3:::shoplake-staging",
                                            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
                                            "Prefix": "access_logs/"})
    records = [b'{"record_id":"a","dt":"2026-11-02"}\n', b'{"record_id":"b","dt":"2026-11-02"}\n']
    dead_letters: list[object] = []
    sender = FirehoseBatchSender(aws.client("firehose", moto_aws), moto_aws.firehose_stream, dead_letters.append)

    for line_number, data in enumerate(records, start=1):
        sender.add(Entry(data, line_number, "2026-11-02"))
    sender.flush()
    (sent,) = moto_server.requests("Firehose_20150804.PutRecordBatch")

    assert sent["DeliveryStreamName"] == "shoplake-access-logs"
    assert [base64.b64decode(record["Data"]) for record in sent["Records"]] == records
    assert sender.sent == 2
    assert dead_letters == []
