"""CDK app that deploys shoplake's `aws` profile: `npx cdk synth` or `npx cdk deploy` from this folder.

The region comes from aws_profile/settings/aws.toml and the account from CDK_DEFAULT_ACCOUNT
(`cdk` sets it from your AWS credentials). Synthesis makes no AWS lookup, so it also works
offline with a placeholder account: the stack names its three availability zones itself.
"""

from __future__ import annotations

import os

import aws_cdk as cdk
from shoplake_cdk.config import load_project
from shoplake_cdk.network import availability_zones
from shoplake_cdk.stack import ShoplakeStack


def main() -> None:
    app = cdk.App()
    project = load_project()
    account = os.environ.get("CDK_DEFAULT_ACCOUNT")
    if account:
        # The VPC checks its named zones against the account's zone list; give CDK that list
        # up front (the same three zones) instead of letting it call EC2 DescribeAvailabilityZones.
        app.node.set_context(f"availability-zones:account={account}:region={project.region}",
                             availability_zones(project.region))
    environment = cdk.Environment(account=account, region=project.region)
    ShoplakeStack(app, "Shoplake", project=project, env=environment,
                  description="shoplake: S3 lake, Kinesis, Firehose, Lambda, DMS, Glue 5, Redshift Serverless")
    app.synth()


if __name__ == "__main__":
    main()
