"""The four lake buckets: encrypted, private, TLS only, with lifecycle rules per zone."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

# Days after which objects move to a cheaper class or expire, per zone.
LIFECYCLE_RULES = {
    "raw": [s3.LifecycleRule(id="raw-to-infrequent-access-then-glacier", transitions=[
        s3.Transition(storage_class=s3.StorageClass.INFREQUENT_ACCESS, transition_after=Duration.days(30)),
        s3.Transition(storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transition_after=Duration.days(90)),
    ])],
    "staging": [s3.LifecycleRule(id="staging-expires", expiration=Duration.days(30))],
    "curated": [s3.LifecycleRule(id="curated-old-versions-expire", noncurrent_version_expiration=Duration.days(30))],
    "quarantine": [s3.LifecycleRule(id="quarantine-expires", expiration=Duration.days(90))],
}
ABORT_UPLOADS = s3.LifecycleRule(id="abort-incomplete-uploads", abort_incomplete_multipart_upload_after=Duration.days(7))


class LakeBuckets(Construct):
    """Buckets `raw`, `staging`, `curated` and `quarantine`, named as in the aws profile's settings."""

    def __init__(self, scope: Construct, construct_id: str, *, names: dict[str, str]) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = s3.Bucket(
            self, "ServerAccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            lifecycle_rules=[s3.LifecycleRule(id="access-logs-expire", expiration=Duration.days(90)), ABORT_UPLOADS],
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.by_zone: dict[str, s3.Bucket] = {}
        for zone, name in names.items():
            self.by_zone[zone] = s3.Bucket(
                self, zone.capitalize(),
                bucket_name=name,
                encryption=s3.BucketEncryption.S3_MANAGED,
                block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                enforce_ssl=True,
                versioned=zone == "curated",
                lifecycle_rules=[*LIFECYCLE_RULES[zone], ABORT_UPLOADS],
                server_access_logs_bucket=self.access_logs,
                server_access_logs_prefix=f"{name}/",
                removal_policy=RemovalPolicy.RETAIN,
            )

    @property
    def raw(self) -> s3.Bucket:
        return self.by_zone["raw"]

    @property
    def staging(self) -> s3.Bucket:
        return self.by_zone["staging"]

    @property
    def curated(self) -> s3.Bucket:
        return self.by_zone["curated"]

    @property
    def quarantine(self) -> s3.Bucket:
        return self.by_zone["quarantine"]
