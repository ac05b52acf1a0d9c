"""Redshift Serverless: namespace, workgroup and the IAM role that COPY uses to read the extracts."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_redshiftserverless as redshift
from constructs import Construct

from shoplake_cdk.config import Project
from shoplake_cdk.network import REDSHIFT_PORT, Network
from shoplake_cdk.storage import LakeBuckets

BASE_RPU = 8
MAX_RPU = 32


class Warehouse(Construct):
    """The star-schema warehouse. Redshift keeps the admin password in Secrets Manager."""

    def __init__(self, scope: Construct, construct_id: str, *, project: Project, lake: LakeBuckets,
                 network: Network) -> None:
        super().__init__(scope, construct_id)
        self.copy_role = iam.Role(self, "CopyRole", assumed_by=iam.ServicePrincipal("redshift.amazonaws.com"),
                                  description="Redshift COPY reads the star-schema extracts")
        self.copy_role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"],
                                                         resources=[lake.curated.arn_for_objects("extracts/*")]))
        self.copy_role.add_to_policy(iam.PolicyStatement(
            actions=["s3:ListBucket", "s3:GetBucketLocation"], resources=[lake.curated.bucket_arn],
            conditions={"StringLike": {"s3:prefix": ["extracts/*"]}}))

        self.security_group = ec2.SecurityGroup(self, "SecurityGroup", vpc=network.vpc, allow_all_outbound=False,
                                                description="Redshift Serverless: clients inside the VPC only")
        self.security_group.add_ingress_rule(ec2.Peer.ipv4(network.vpc.vpc_cidr_block), ec2.Port.tcp(REDSHIFT_PORT),
                                             "clients inside the VPC")
        self.security_group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "S3 through the gateway endpoint")

        self.namespace = redshift.CfnNamespace(
            self, "Namespace",
            namespace_name=project.warehouse_workgroup,
            db_name=project.warehouse_database,
            admin_username="shoplake_admin",
            manage_admin_password=True,
            iam_roles=[self.copy_role.role_arn],
            default_iam_role_arn=self.copy_role.role_arn,
            log_exports=["userlog", "connectionlog", "useractivitylog"],
        )
        self.workgroup = redshift.CfnWorkgroup(
            self, "Workgroup",
            workgroup_name=project.warehouse_workgroup,
            namespace_name=project.warehouse_workgroup,
            base_capacity=BASE_RPU,
            max_capacity=MAX_RPU,
            publicly_accessible=False,
            enhanced_vpc_routing=True,
            subnet_ids=network.private_subnets.subnet_ids,
            security_group_ids=[self.security_group.security_group_id],
        )
        self.workgroup.node.add_dependency(self.namespace)
