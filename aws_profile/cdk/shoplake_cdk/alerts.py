"""The alert topic and what publishes to it: failed Glue runs, failed DMS tasks, Lambda errors, dead letters."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct


class Alerts(Construct):
    """An encrypted SNS topic that EventBridge rules and CloudWatch alarms publish to."""

    def __init__(self, scope: Construct, construct_id: str, *, topic_name: str) -> None:
        super().__init__(scope, construct_id)
        key = kms.Key(self, "Key", enable_key_rotation=True, description="shoplake alert topic encryption")
        for service in ("events.amazonaws.com", "cloudwatch.amazonaws.com"):
            key.add_to_resource_policy(iam.PolicyStatement(
                principals=[iam.ServicePrincipal(service)],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"], resources=["*"]))
        self.topic = sns.Topic(self, "Topic", topic_name=topic_name, master_key=key, enforce_ssl=True)

    def on_glue_failures(self, job_names: list[str]) -> None:
        events.Rule(self, "GlueFailures", description="a shoplake Glue job run failed, stopped or timed out",
                    event_pattern=events.EventPattern(
                        source=["aws.glue"], detail_type=["Glue Job State Change"],
                        detail={"jobName": job_names, "state": ["FAILED", "TIMEOUT", "ERROR", "STOPPED"]}),
                    targets=[targets.SnsTopic(self.topic)])

    def on_dms_failures(self, task_arn: str) -> None:
        events.Rule(self, "DmsFailures", description="the shoplake DMS replication task failed or stopped",
                    event_pattern=events.EventPattern(
                        source=["aws.dms"], detail_type=["DMS Replication Task State Change"],
                        resources=[task_arn], detail={"category": ["Failure", "StateChange"]}),
                    targets=[targets.SnsTopic(self.topic)])

    def on_lambda_errors(self, function: lambda_.Function, name: str) -> None:
        alarm = function.metric_errors(period=Duration.minutes(5)).create_alarm(
            self, f"{name}Errors", threshold=1, evaluation_periods=1,
            alarm_description=f"{name} Lambda function reported errors",
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING)
        alarm.add_alarm_action(actions.SnsAction(self.topic))

    def on_dead_letters(self, queue: sqs.Queue, name: str) -> None:
        alarm = queue.metric_approximate_number_of_messages_visible(period=Duration.minutes(5)).create_alarm(
            self, f"{name}DeadLetters", threshold=1, evaluation_periods=1,
            alarm_description=f"records that {name} could not process reached its on-failure queue",
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING)
        alarm.add_alarm_action(actions.SnsAction(self.topic))
