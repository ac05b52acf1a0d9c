"""Glue 5 jobs, one per script in spark_jobs/, with Delta Lake enabled."""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3_assets as assets
from constructs import Construct

from shoplake_cdk.config import GLUE_PACKAGES, PROJECT_ROOT, SPARK_JOBS_DIR, Project, asset_excludes
from shoplake_cdk.storage import LakeBuckets

GLUE_VERSION = "5.0"
# Glue reads --datalake-formats to put Delta Lake on the classpath; the two --conf
# settings register Delta's SQL extension and catalog, as Glue's Delta guide shows.
DELTA_ARGUMENTS = {
    "--datalake-formats": "delta",
    "--conf": "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension "
              "--conf spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog",
}


class GlueJobs(Construct):
    """One Glue ETL job per job script; the job name is `<glue_job_prefix><script name>`."""

    def __init__(self, scope: Construct, construct_id: str, *, project: Project, lake: LakeBuckets) -> None:
        super().__init__(scope, construct_id)
        self.role = self._role(lake)
        libraries = assets.Asset(self, "SharedCode", path=str(PROJECT_ROOT), exclude=asset_excludes(GLUE_PACKAGES))
        libraries.grant_read(self.role)
        self.jobs: dict[str, glue.CfnJob] = {}
        for name in project.glue_jobs:
            script = assets.Asset(self, f"Script-{name}", path=str(SPARK_JOBS_DIR / f"{name}.py"))
            script.grant_read(self.role)
            self.jobs[name] = self._job(project, lake, name, script, libraries)

    def _role(self, lake: LakeBuckets) -> iam.Role:
        role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("glue.amazonaws.com"),
                        description="Glue jobs read the raw and staging zones and write curated and quarantine")
        lake.raw.grant_read(role)
        lake.staging.grant_read(role)
        lake.curated.grant_read_write(role)
        lake.quarantine.grant_read_write(role)
        stack = Stack.of(self)
        role.add_to_policy(iam.PolicyStatement(
            actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[stack.format_arn(service="logs", resource="log-group", resource_name="/aws-glue/*",
                                        arn_format=ArnFormat.COLON_RESOURCE_NAME)]))
        role.add_to_policy(iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData"], resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": "Glue"}}))
        return role

    def _job(self, project: Project, lake: LakeBuckets, name: str, script: assets.Asset,
             libraries: assets.Asset) -> glue.CfnJob:
        arguments = {
            **DELTA_ARGUMENTS,
            "--job-language": "python",
            "--job-bookmark-option": "job-bookmark-enable",
            "--enable-metrics": "true",
            "--enable-continuous-cloudwatch-log": "true",
            "--extra-py-files": libraries.s3_object_url,
            "--raw_bucket": lake.raw.bucket_name,
            "--staging_bucket": lake.staging.bucket_name,
            "--curated_bucket": lake.curated.bucket_name,
            "--quarantine_bucket": lake.quarantine.bucket_name,
            "--SHOPLAKE_PROFILE": "aws",
        }
        return glue.CfnJob(
            self, f"Job-{name}",
            name=f"{project.glue_job_prefix}{name}",
            role=self.role.role_arn,
            glue_version=GLUE_VERSION,
            command=glue.CfnJob.JobCommandProperty(name="glueetl", python_version="3",
                                                   script_location=script.s3_object_url),
            default_arguments=arguments,
            worker_type="G.1X",
            number_of_workers=2,
            timeout=240,
            max_retries=1,
            execution_property=glue.CfnJob.ExecutionPropertyProperty(max_concurrent_runs=1),
            description=f"shoplake Glue job {name} (spark_jobs/{name}.py)",
        )

