"""boto3 clients follow the AWS profile: local endpoints for embedded, AWS defaults for aws."""

from __future__ import annotations

import boto3
import pytest

from shoplake import aws
from shoplake.settings import load_settings

SERVICES = ("s3", "kinesis", "firehose")


@pytest.fixture
def clean_aws_environment(monkeypatch, tmp_path):
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION",
                 "AWS_SHARED_CREDENTIALS_FILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHOPLAKE_PATHS__DATA_DIR", str(tmp_path / "data"))
    for key in ("S3", "KINESIS", "FIREHOSE", "POSTGRES"):
        monkeypatch.delenv(f"SHOPLAKE_PORTS__{key}", raising=False)


@pytest.mark.parametrize("service", SERVICES)
def test_embedded_profile_uses_local_endpoint(clean_aws_environment, service):
    settings = load_settings("embedded")
    aws.activate(settings)

    client = boto3.client(service)

    port = getattr(settings.ports, service)
    assert client.meta.endpoint_url == f"http://127.0.0.1:{port}"


def test_rendered_config_uses_stack_ports(clean_aws_environment):
    settings = load_settings("embedded")
    aws.render_config(settings, {"s3": 18001, "kinesis": 18002, "firehose": 18003})
    aws.activate(settings)

    assert boto3.client("s3").meta.endpoint_url == "http://127.0.0.1:18001"
    assert boto3.client("kinesis").meta.endpoint_url == "http://127.0.0.1:18002"
    assert boto3.client("firehose").meta.endpoint_url == "http://127.0.0.1:18003"


@pytest.mark.parametrize("service", SERVICES)
def test_aws_profile_uses_aws_defaults(clean_aws_environment, tmp_path, monkeypatch, service):
    user_config = tmp_path / "user-aws-config"
    user_config.write_text("[profile shoplake-aws]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(user_config))
    settings = load_settings("aws")
    aws.activate(settings)

    client = boto3.client(service)

    assert client.meta.endpoint_url == f"https://{service}.eu-west-1.amazonaws.com"
