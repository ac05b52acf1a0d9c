"""AWS DMS: replication instance, PostgreSQL source and S3 target endpoints, and the full-load-and-CDC task."""

from __future__ import annotations

import json

from aws_cdk import Stack
from aws_cdk import aws_dms as dms
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from shoplake_cdk.config import Project
from shoplake_cdk.network import POSTGRES_PORT, Network
from shoplake_cdk.storage import LakeBuckets

TASK_IDENTIFIER = "shoplake-orders"
# The S3 target and task settings come from services/dms/config/, the files the local
# replicator reads, so both write the layout in docs/contracts.md. These keys are added.
S3_TARGET_EXTRA = {"encryption_mode": "SSE_S3"}


class Replication(Construct):
    """The DMS replication instance and task that copy the shop's tables into the staging bucket."""

    def __init__(self, scope: Construct, construct_id: str, *, project: Project, lake: LakeBuckets, network: Network,
                 source_secret: secretsmanager.Secret, create_service_roles: bool) -> None:
        super().__init__(scope, construct_id)
        if create_service_roles:
            self._service_roles()
        self.security_group = ec2.SecurityGroup(self, "SecurityGroup", vpc=network.vpc, allow_all_outbound=False,
                                                description="DMS replication instance: PostgreSQL and S3 only")
        self.security_group.add_egress_rule(ec2.Peer.ipv4(network.vpc.vpc_cidr_block), ec2.Port.tcp(POSTGRES_PORT),
                                            "source PostgreSQL")
        self.security_group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "S3 through the gateway endpoint")
        subnet_group = dms.CfnReplicationSubnetGroup(
            self, "Subnets", replication_subnet_group_description="shoplake DMS subnets",
            subnet_ids=network.private_subnets.subnet_ids)
        self.instance = dms.CfnReplicationInstance(
            self, "Instance",
            replication_instance_class="dms.t3.medium",
            allocated_storage=50,
            multi_az=False,
            publicly_accessible=False,
            replication_subnet_group_identifier=subnet_group.ref,
            vpc_security_group_ids=[self.security_group.security_group_id],
        )
        self.source = self._source(project, source_secret)
        self.target = self._target(project, lake)
        self.task = dms.CfnReplicationTask(
            self, "Task",
            replication_task_identifier=TASK_IDENTIFIER,
            migration_type="full-load-and-cdc",
            replication_instance_arn=self.instance.ref,
            source_endpoint_arn=self.source.ref,
            target_endpoint_arn=self.target.ref,
            table_mappings=json.dumps(project.table_mappings),
            replication_task_settings=json.dumps(project.task_settings),
        )

    def _service_roles(self) -> None:
        """Create the two account-wide roles that DMS requires under these exact names."""
        iam.Role(self, "VpcRole", role_name="dms-vpc-role", assumed_by=iam.ServicePrincipal("dms.amazonaws.com"),
                 managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
                     "service-role/AmazonDMSVPCManagementRole")])
        iam.Role(self, "LogsRole", role_name="dms-cloudwatch-logs-role",
                 assumed_by=iam.ServicePrincipal("dms.amazonaws.com"),
                 managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
                     "service-role/AmazonDMSCloudWatchLogsRole")])

    def _source(self, project: Project, source_secret: secretsmanager.Secret) -> dms.CfnEndpoint:
        role = iam.Role(self, "SecretAccess", assumed_by=iam.ServicePrincipal(f"dms.{Stack.of(self).region}.amazonaws.com"),
                        description="DMS reads the source database's credentials")
        source_secret.grant_read(role)
        return dms.CfnEndpoint(
            self, "Source",
            endpoint_type="source",
            engine_name="postgres",
            database_name=project.source_db,
            ssl_mode="require",
            postgre_sql_settings=dms.CfnEndpoint.PostgreSqlSettingsProperty(
                secrets_manager_secret_id=source_secret.secret_arn,
                secrets_manager_access_role_arn=role.role_arn,
                slot_name="shoplake_dms",
                heartbeat_enable=True,
            ),
        )

    def _target(self, project: Project, lake: LakeBuckets) -> dms.CfnEndpoint:
        role = iam.Role(self, "S3Access", assumed_by=iam.ServicePrincipal("dms.amazonaws.com"),
                        description="DMS writes full-load and CDC files under dms/ in the staging bucket")
        role.add_to_policy(iam.PolicyStatement(actions=["s3:PutObject", "s3:DeleteObject", "s3:PutObjectTagging"],
                                               resources=[lake.staging.arn_for_objects("dms/*")]))
        role.add_to_policy(iam.PolicyStatement(actions=["s3:ListBucket"], resources=[lake.staging.bucket_arn],
                                               conditions={"StringLike": {"s3:prefix": ["dms/*"]}}))
        return dms.CfnEndpoint(
            self, "Target",
            endpoint_type="target",
            engine_name="s3",
            s3_settings=dms.CfnEndpoint.S3SettingsProperty(
                **(project.s3_target_settings | S3_TARGET_EXTRA),
                bucket_name=lake.staging.bucket_name, service_access_role_arn=role.role_arn),
        )

