"""Ingestion: the campaign Kinesis stream, the access-log Firehose stream and both Lambda functions."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as notifications
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from shoplake_cdk.config import LAMBDA_PACKAGES, PROJECT_ROOT, Project, asset_excludes
from shoplake_cdk.storage import LakeBuckets

LOG_PROCESSOR_HANDLER = "services.log_processor.handler.lambda_handler"
CAMPAIGN_PROCESSOR_HANDLER = "services.campaign_processor.handler.lambda_handler"
# Firehose key layout of docs/contracts.md: dynamic partitioning on the record's `dt` field.
FIREHOSE_PREFIX = "access_logs/dt=!{partitionKeyFromQuery:dt}/"
FIREHOSE_ERROR_PREFIX = "errors/access_logs/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/"
POWERTOOLS_LAYER = "arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python311-x86_64:{version}"


class Ingestion(Construct):
    """Kinesis stream, Firehose delivery stream and the two Lambda handlers with their triggers."""

    def __init__(self, scope: Construct, construct_id: str, *, project: Project, lake: LakeBuckets,
                 ip_hash_secret: secretsmanager.Secret) -> None:
        super().__init__(scope, construct_id)
        self.stream = kinesis.Stream(
            self, "CampaignStream",
            stream_name=project.campaign_stream,
            shard_count=project.campaign_shards,
            encryption=kinesis.StreamEncryption.MANAGED,
            retention_period=Duration.hours(24),
        )
        self.delivery_stream = self._delivery_stream(project, lake)
        layer = self._powertools_layer()
        code = lambda_.Code.from_asset(str(PROJECT_ROOT), exclude=asset_excludes(LAMBDA_PACKAGES))
        environment = {"SHOPLAKE_PROFILE": "aws", "POWERTOOLS_SERVICE_NAME": "shoplake",
                       "SHOPLAKE_IP_HASH_SECRET_ARN": ip_hash_secret.secret_arn}
        self.log_processor = self._log_processor(project, lake, code, layer, environment, ip_hash_secret)
        self.campaign_processor, self.campaign_failures = self._campaign_processor(lake, code, layer, environment)

    def _delivery_stream(self, project: Project, lake: LakeBuckets) -> firehose.CfnDeliveryStream:
        role = iam.Role(self, "FirehoseRole", assumed_by=iam.ServicePrincipal("firehose.amazonaws.com"),
                        description="Firehose writes access-log records to the staging bucket")
        lake.staging.grant_put(role, "access_logs/*")
        lake.staging.grant_put(role, "errors/access_logs/*")
        role.add_to_policy(iam.PolicyStatement(
            actions=["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
            resources=[lake.staging.bucket_arn]))
        role.add_to_policy(iam.PolicyStatement(actions=["s3:AbortMultipartUpload"],
                                               resources=[lake.staging.arn_for_objects("*")]))
        log_group = logs.LogGroup(self, "FirehoseLogs", retention=logs.RetentionDays.ONE_MONTH)
        log_stream = logs.LogStream(self, "FirehoseS3Delivery", log_group=log_group)
        log_group.grant_write(role)

        stream = firehose.CfnDeliveryStream(
            self, "AccessLogDelivery",
            delivery_stream_name=project.firehose_stream,
            delivery_stream_type="DirectPut",
            delivery_stream_encryption_configuration_input=firehose.CfnDeliveryStream.DeliveryStreamEncryptionConfigurationInputProperty(
                key_type="AWS_OWNED_CMK"),
            extended_s3_destination_configuration=firehose.CfnDeliveryStream.ExtendedS3DestinationConfigurationProperty(
                bucket_arn=lake.staging.bucket_arn,
                role_arn=role.role_arn,
                prefix=FIREHOSE_PREFIX,
                error_output_prefix=FIREHOSE_ERROR_PREFIX,
                compression_format="GZIP",
                # Dynamic partitioning needs a buffer of at least 64 MiB.
                buffering_hints=firehose.CfnDeliveryStream.BufferingHintsProperty(size_in_m_bs=64, interval_in_seconds=300),
                dynamic_partitioning_configuration=firehose.CfnDeliveryStream.DynamicPartitioningConfigurationProperty(
                    enabled=True, retry_options=firehose.CfnDeliveryStream.RetryOptionsProperty(duration_in_seconds=300)),
                processing_configuration=firehose.CfnDeliveryStream.ProcessingConfigurationProperty(
                    enabled=True,
                    processors=[firehose.CfnDeliveryStream.ProcessorProperty(
                        type="MetadataExtraction",
                        parameters=[
                            firehose.CfnDeliveryStream.ProcessorParameterProperty(
                                parameter_name="MetadataExtractionQuery", parameter_value="{dt:.dt}"),
                            firehose.CfnDeliveryStream.ProcessorParameterProperty(
                                parameter_name="JsonParsingEngine", parameter_value="JQ-1.6"),
                        ])]),
                cloud_watch_logging_options=firehose.CfnDeliveryStream.CloudWatchLoggingOptionsProperty(
                    enabled=True, log_group_name=log_group.log_group_name, log_stream_name=log_stream.log_stream_name),
            ),
        )
        # The role's policy is a separate resource: Firehose checks its access on creation.
        stream.node.add_dependency(role.node.find_child("DefaultPolicy"))
        return stream

    def _powertools_layer(self) -> lambda_.ILayerVersion:
        version = self.node.try_get_context("shoplake:powertoolsLayerVersion") or "18"
        arn = POWERTOOLS_LAYER.format(region=Stack.of(self).region, version=version)
        return lambda_.LayerVersion.from_layer_version_arn(self, "Powertools", arn)

    def _function(self, construct_id: str, handler: str, code: lambda_.Code, layer: lambda_.ILayerVersion,
                  environment: dict[str, str], description: str) -> lambda_.Function:
        return lambda_.Function(
            self, construct_id,
            runtime=lambda_.Runtime.PYTHON_3_11,
            architecture=lambda_.Architecture.X86_64,
            handler=handler,
            code=code,
            layers=[layer],
            memory_size=512,
            timeout=Duration.minutes(5),
            environment=environment,
            log_group=logs.LogGroup(self, f"{construct_id}Logs", retention=logs.RetentionDays.ONE_MONTH),
            description=description,
        )

    def _log_processor(self, project: Project, lake: LakeBuckets, code: lambda_.Code, layer: lambda_.ILayerVersion,
                       environment: dict[str, str], ip_hash_secret: secretsmanager.Secret) -> lambda_.Function:
        function = self._function("LogProcessor", LOG_PROCESSOR_HANDLER, code, layer, environment,
                                  "Parses access-log objects and sends records to Firehose")
        lake.raw.grant_read(function, "access_logs/*")
        lake.quarantine.grant_put(function, "log_processor/*")
        ip_hash_secret.grant_read(function)
        function.add_to_role_policy(iam.PolicyStatement(
            actions=["firehose:PutRecordBatch", "firehose:PutRecord"],
            resources=[self.delivery_stream.attr_arn]))
        lake.raw.add_event_notification(
            s3.EventType.OBJECT_CREATED, notifications.LambdaDestination(function),
            s3.NotificationKeyFilter(prefix="access_logs/", suffix=".gz"))
        return function

    def _campaign_processor(self, lake: LakeBuckets, code: lambda_.Code, layer: lambda_.ILayerVersion,
                            environment: dict[str, str]) -> tuple[lambda_.Function, sqs.Queue]:
        function = self._function("CampaignProcessor", CAMPAIGN_PROCESSOR_HANDLER, code, layer, environment,
                                  "Stages campaign events from Kinesis batches")
        lake.staging.grant_put(function, "campaign_events/*")
        lake.quarantine.grant_put(function, "campaign_processor/*")
        failures = sqs.Queue(self, "CampaignFailures", encryption=sqs.QueueEncryption.SQS_MANAGED,
                             enforce_ssl=True, retention_period=Duration.days(14))
        function.add_event_source(sources.KinesisEventSource(
            self.stream,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=100,
            max_batching_window=Duration.seconds(5),
            report_batch_item_failures=True,
            bisect_batch_on_error=True,
            retry_attempts=3,
            max_record_age=Duration.days(1),
            on_failure=sources.SqsDlq(failures),
        ))
        return function, failures
