"""The private network of DMS and Redshift Serverless: isolated subnets in three zones and an S3 endpoint."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

POSTGRES_PORT = 5432
REDSHIFT_PORT = 5439


def availability_zones(region: str) -> list[str]:
    """Return the three zones of the VPC; Redshift Serverless needs subnets in three zones."""
    return [f"{region}{letter}" for letter in "abc"]


class Network(Construct):
    """A VPC with no internet route; S3 is reached through a gateway endpoint."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.vpc = ec2.Vpc(
            self, "Vpc",
            availability_zones=availability_zones(Stack.of(self).region),
            nat_gateways=0,
            subnet_configuration=[ec2.SubnetConfiguration(name="private", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
                                                          cidr_mask=24)],
            gateway_endpoints={"S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3)},
        )
        self.vpc.add_flow_log("FlowLogs")
        self.private_subnets = self.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
