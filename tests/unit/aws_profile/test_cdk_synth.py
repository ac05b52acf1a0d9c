"""`cdk synth` of aws_profile/cdk offline, cfn-lint on the template, and checks of what it deploys.

Needs Node.js and the pinned CDK CLI (`npm ci --prefix aws_profile/cdk`) and the aws-cdk-lib
Python package; the tests are skipped with that reason when either is missing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
CDK_DIR = ROOT / "aws_profile" / "cdk"
CDK_CLI = CDK_DIR / "node_modules" / ".bin" / "cdk"
PLACEHOLDER_ACCOUNT = "123456789012"
REGION = "eu-west-1"
# CDK's Lambda constructs add a DependsOn on the function's role that a GetAtt already
# implies; cfn-lint reports that as W3005. It changes nothing in the deployment.
IGNORED_LINT_CHECKS = "W3005"

_needs_cdk = [
    pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed; the CDK CLI needs it"),
    pytest.mark.skipif(not CDK_CLI.exists(), reason="CDK CLI missing; run 'npm ci --prefix aws_profile/cdk'"),
    pytest.mark.skipif(importlib.util.find_spec("aws_cdk") is None,
                       reason="aws-cdk-lib is not installed in the venv; pip install aws-cdk-lib constructs"),
]


def _skip_without_cdk() -> None:
    for mark in _needs_cdk:
        if mark.args[0]:
            pytest.skip(mark.kwargs["reason"])


@pytest.fixture(scope="module")
def cloud_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _skip_without_cdk()
    output = tmp_path_factory.mktemp("cdk.out")
    bin_dir = str(Path(sys.executable).parent)
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    environment.update({
        "PATH": bin_dir + os.pathsep + environment.get("PATH", ""),
        "CDK_DEFAULT_ACCOUNT": PLACEHOLDER_ACCOUNT,
        "CDK_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
        "CDK_DISABLE_VERSION_CHECK": "1",
    })
    command = [str(CDK_CLI), "synth", "--quiet", "--no-notices", "--no-version-reporting", "--no-lookups",
               "--output", str(output)]
    result = subprocess.run(command, cwd=CDK_DIR, env=environment, capture_output=True, text=True, timeout=300)

    assert result.returncode == 0, f"cdk synth failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return output


@pytest.fixture(scope="module")
def template(cloud_assembly: Path) -> dict[str, Any]:
    return json.loads((cloud_assembly / "Shoplake.template.json").read_text())


def _resources(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: resource.get("Properties", {}) for name, resource in template["Resources"].items()
            if resource["Type"] == resource_type}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _identity_statements(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Return every statement of an IAM policy, role inline policy or managed policy in the template."""
    found = []
    for name, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        documents = []
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents.append(properties["PolicyDocument"])
        if resource["Type"] == "AWS::IAM::Role":
            documents += [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
        for document in documents:
            found += [(name, statement) for statement in _as_list(document["Statement"])]
    return found


def _wildcard_action(action: str) -> bool:
    return action == "*" or action.endswith(":*")


def test_cfn_lint_passes(cloud_assembly: Path) -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    if not cfn_lint.exists():
        pytest.skip("cfn-lint is not installed in the venv; it is in the dev extra")
    templates = sorted(str(path) for path in cloud_assembly.glob("*.template.json"))
    result = subprocess.run([str(cfn_lint), "--ignore-checks", IGNORED_LINT_CHECKS, "--", *templates],
                            capture_output=True, text=True, timeout=300)

    assert result.returncode == 0, result.stdout + result.stderr


def test_no_wildcard_action_on_all_resources(template: dict[str, Any]) -> None:
    offending = []
    for name, statement in _identity_statements(template):
        if statement.get("Effect") != "Allow":
            continue
        actions = [action for action in _as_list(statement.get("Action", [])) if _wildcard_action(action)]
        if actions and "*" in _as_list(statement.get("Resource", [])):
            offending.append(f"{name}: {actions} on *")

    assert _identity_statements(template), "the template contains no IAM policy at all"
    assert offending == []


def test_wildcard_check_catches_admin_statement() -> None:
    admin = {"Resources": {"Admin": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}}}}
    name, statement = _identity_statements(admin)[0]

    assert name == "Admin"
    assert _wildcard_action(statement["Action"])


def test_buckets_private_encrypted_with_lifecycle(template: dict[str, Any]) -> None:
    buckets = {properties.get("BucketName"): properties for properties in _resources(template, "AWS::S3::Bucket").values()}
    expected = {"shoplake-raw", "shoplake-staging", "shoplake-curated", "shoplake-quarantine"}

    assert expected <= set(buckets)
    for name in expected:
        bucket = buckets[name]
        assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"], name
        assert bucket["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
        }, name
        assert len(bucket["LifecycleConfiguration"]["Rules"]) >= 2, name


def test_firehose_partitions_by_record_date(template: dict[str, Any]) -> None:
    (stream,) = _resources(template, "AWS::KinesisFirehose::DeliveryStream").values()
    destination = stream["ExtendedS3DestinationConfiguration"]

    assert stream["DeliveryStreamName"] == "shoplake-access-logs"
    assert destination["Prefix"] == "access_logs/dt=!{partitionKeyFromQuery:dt}/"
    assert destination["ErrorOutputPrefix"].startswith("errors/access_logs/!{firehose:error-output-type}/")
    assert destination["DynamicPartitioningConfiguration"]["Enabled"] is True
    assert destination["CompressionFormat"] == "GZIP"


def test_kinesis_mapping_reports_item_failures(template: dict[str, Any]) -> None:
    (mapping,) = _resources(template, "AWS::Lambda::EventSourceMapping").values()

    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert "OnFailure" in mapping["DestinationConfig"]
    assert _resources(template, "AWS::Kinesis::Stream")


def test_lambda_functions_and_s3_trigger(template: dict[str, Any]) -> None:
    handlers = {properties.get("Handler") for properties in _resources(template, "AWS::Lambda::Function").values()}
    notifications = _resources(template, "Custom::S3BucketNotifications")

    assert {"services.log_processor.handler.lambda_handler", "services.campaign_processor.handler.lambda_handler"} <= handlers
    assert len(notifications) == 1


def test_glue_jobs_use_glue5_with_delta(template: dict[str, Any]) -> None:
    sys.path.insert(0, str(CDK_DIR))
    from shoplake_cdk.config import glue_job_scripts

    jobs = {properties["Name"]: properties for properties in _resources(template, "AWS::Glue::Job").values()}

    assert set(jobs) == {f"shoplake-{name}" for name in glue_job_scripts()}
    for name, job in jobs.items():
        assert job["GlueVersion"] == "5.0", name
        assert job["DefaultArguments"]["--datalake-formats"] == "delta", name


def test_dms_task_uses_replicator_mappings(template: dict[str, Any]) -> None:
    mappings = json.loads((ROOT / "services" / "dms" / "config" / "table-mappings.json").read_text())
    (task,) = _resources(template, "AWS::DMS::ReplicationTask").values()

    assert json.loads(task["TableMappings"]) == mappings
    assert task["MigrationType"] == "full-load-and-cdc"
    assert _resources(template, "AWS::DMS::ReplicationInstance")
    assert len(_resources(template, "AWS::DMS::Endpoint")) == 2


def test_redshift_serverless_has_copy_role(template: dict[str, Any]) -> None:
    (namespace,) = _resources(template, "AWS::RedshiftServerless::Namespace").values()

    assert namespace["IamRoles"]
    assert namespace["ManageAdminPassword"] is True
    assert _resources(template, "AWS::RedshiftServerless::Workgroup")


def test_secrets_and_alert_topic(template: dict[str, Any]) -> None:
    secret_names = {properties.get("Name") for properties in _resources(template, "AWS::SecretsManager::Secret").values()}
    (topic,) = _resources(template, "AWS::SNS::Topic").values()

    assert {"shoplake/source-db", "shoplake/ip-hash-key"} <= secret_names
    assert topic["TopicName"] == "shoplake-alerts"


def test_missing_table_mappings_named(tmp_path: Path) -> None:
    sys.path.insert(0, str(CDK_DIR))
    from shoplake_cdk.config import ProjectConfigError, read_table_mappings

    with pytest.raises(ProjectConfigError) as error:
        read_table_mappings(tmp_path / "table-mappings.json")

    assert "table-mappings.json not found" in str(error.value)


@pytest.mark.parametrize("handler", ["services.log_processor.handler.lambda_handler",
                                     "services.campaign_processor.handler.lambda_handler"])
def test_lambda_handler_exists_in_services(handler: str) -> None:
    module, _, function = handler.rpartition(".")
    path = ROOT / (module.replace(".", "/") + ".py")

    assert path.is_file(), f"the Lambda handler module {path} named in aws_profile/cdk is missing"
    assert f"def {function}(" in path.read_text(), f"{path} defines no function {function}"
