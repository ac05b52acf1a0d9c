"""ShoplakeStack: everything the `aws` profile talks to, in one CloudFormation stack."""

from __future__ import annotations

import json

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from shoplake_cdk.alerts import Alerts
from shoplake_cdk.config import Project
from shoplake_cdk.ingest import Ingestion
from shoplake_cdk.network import POSTGRES_PORT, Network
from shoplake_cdk.replication import Replication
from shoplake_cdk.storage import LakeBuckets
from shoplake_cdk.transform import GlueJobs
from shoplake_cdk.warehouse import Warehouse


class ShoplakeStack(Stack):
    """Buckets, streams, Lambda functions, Glue jobs, DMS, Redshift Serverless, secrets and alerts."""

    def __init__(self, scope: Construct, construct_id: str, *, project: Project, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        lake = LakeBuckets(self, "Lake", names=project.buckets)
        network = Network(self, "Network")
        ip_hash_secret = secretsmanager.Secret(
            self, "IpHashKey", secret_name="shoplake/ip-hash-key",  # noqa: S106 - the name, not the value
            description="HMAC key that the log processor hashes client IP addresses with",
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=48, exclude_punctuation=True))
        source_secret = secretsmanager.Secret(
            self, "SourceDatabase", secret_name=project.source_secret_name,
            description="Credentials DMS uses to read the source PostgreSQL database",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({"username": project.source_user, "host": project.source_host,
                                                   "port": POSTGRES_PORT, "engine": "postgres"}),
                generate_string_key="password", exclude_punctuation=True, password_length=32))

        ingestion = Ingestion(self, "Ingestion", project=project, lake=lake, ip_hash_secret=ip_hash_secret)
        glue_jobs = GlueJobs(self, "Glue", project=project, lake=lake)
        create_roles = str(self.node.try_get_context("shoplake:createDmsServiceRoles")).lower() != "false"
        replication = Replication(self, "Dms", project=project, lake=lake, network=network,
                                  source_secret=source_secret, create_service_roles=create_roles)
        warehouse = Warehouse(self, "Warehouse", project=project, lake=lake, network=network)

        alerts = Alerts(self, "Alerts", topic_name="shoplake-alerts")
        alerts.on_glue_failures([job.name for job in glue_jobs.jobs.values() if job.name])
        alerts.on_dms_failures(replication.task.ref)
        alerts.on_lambda_errors(ingestion.log_processor, "LogProcessor")
        alerts.on_lambda_errors(ingestion.campaign_processor, "CampaignProcessor")
        alerts.on_dead_letters(ingestion.campaign_failures, "CampaignProcessor")

        # The values that aws_profile/settings/aws.toml needs after a deploy.
        CfnOutput(self, "GlueRoleArn", value=glue_jobs.role.role_arn)
        CfnOutput(self, "DmsReplicationTaskArn", value=replication.task.ref)
        CfnOutput(self, "RedshiftCopyRoleArn", value=warehouse.copy_role.role_arn)
        CfnOutput(self, "RedshiftWorkgroup", value=warehouse.workgroup.workgroup_name)
        CfnOutput(self, "AlertTopicArn", value=alerts.topic.topic_arn)
