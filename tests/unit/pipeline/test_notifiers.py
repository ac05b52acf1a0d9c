"""Alert notifiers: the file sink, SMTP, webhook and SNS, chosen by settings."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from shoplake.errors import SettingsError
from shoplake.pipeline import notifiers
from shoplake.pipeline.notifiers import Alert, FileNotifier, SmtpNotifier, SnsNotifier, WebhookNotifier, make_notifier

ALERT = Alert(kind="task_failed", dag_id="shoplake_pipeline", run_id="manual__1", logical_date="2026-11-02",
              task_id="transform.cdc_apply", try_number=2, error="ValueError: bad", log_url="http://127.0.0.1:8080/x")


def test_file_notifier_appends_json_lines(tmp_path):
    sink = FileNotifier(tmp_path / "alerts" / "alerts.jsonl")
    sink.send(ALERT)
    sink.send(ALERT)
    alerts = sink.read()
    assert len(alerts) == 2
    assert alerts[0]["task_id"] == "transform.cdc_apply"
    assert alerts[0]["logical_date"] == "2026-11-02"
    assert alerts[0]["try_number"] == 2


def test_settings_choose_file_sink(settings):
    notifier = make_notifier(settings)
    assert isinstance(notifier, FileNotifier)
    assert notifier.path == settings.data_dir / "alerts.jsonl"


def test_settings_choose_webhook(settings_with):
    notifier = make_notifier(settings_with(alerts__notifier="webhook", alerts__target="https://hooks.example/x"))
    assert isinstance(notifier, WebhookNotifier)


def test_webhook_rejects_non_http_target(settings_with):
    with pytest.raises(SettingsError, match="http"):
        make_notifier(settings_with(alerts__notifier="webhook", alerts__target="file:///etc/passwd"))


def test_smtp_needs_host(settings_with):
    with pytest.raises(SettingsError, match=r"\[smtp\] host"):
        make_notifier(settings_with(alerts__notifier="smtp", alerts__target="ops@shop.example"))


def test_smtp_settings(settings_with):
    notifier = make_notifier(settings_with(alerts__notifier="smtp", alerts__target="a@shop.example, b@shop.example",
                                           smtp__host="127.0.0.1", smtp__port="2525", smtp__sender="x@shop.example",
                                           smtp__starttls="false"))
    assert isinstance(notifier, SmtpNotifier)
    assert notifier.recipients == ["a@shop.example", "b@shop.example"]
    assert notifier.port == 2525
    assert notifier.starttls is False


def test_webhook_posts_slack_style_json(monkeypatch):
    sent = {}

    class Response:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return b"ok"

    def fake_urlopen(request, timeout):
        sent["url"] = request.full_url
        sent["body"] = json.loads(request.data)
        return Response()

    monkeypatch.setattr(notifiers.urllib.request, "urlopen", fake_urlopen)
    WebhookNotifier("https://hooks.example/x").send(ALERT)
    assert sent["url"] == "https://hooks.example/x"
    assert "transform.cdc_apply" in sent["body"]["text"]
    assert sent["body"]["alert"]["logical_date"] == "2026-11-02"


def test_smtp_sends_one_message(monkeypatch):
    messages = []

    class FakeSmtp:
        def __init__(self, host, port, timeout):
            self.address = (host, port)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            messages.append("starttls")

        def login(self, user, password):
            messages.append("login")

        def send_message(self, message):
            messages.append(message)

    monkeypatch.setattr(notifiers.smtplib, "SMTP", FakeSmtp)
    SmtpNotifier(["ops@shop.example"], "127.0.0.1", 25, "airflow@shop.example", starttls=False).send(ALERT)
    assert len(messages) == 1
    assert "transform.cdc_apply" in messages[0]["Subject"]
    assert "2026-11-02" in messages[0]["Subject"]


@mock_aws
def test_sns_publishes(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.client("sns", region_name="us-east-1")
    topic = client.create_topic(Name="shoplake-alerts")["TopicArn"]
    monkeypatch.setattr("shoplake.aws.client", lambda service, settings=None: boto3.client(service, region_name="us-east-1"))
    SnsNotifier(topic).send(ALERT)
    from moto.sns.models import sns_backends

    published = sns_backends["123456789012"]["us-east-1"].topics[topic].sent_notifications
    assert len(published) == 1
    assert json.loads(published[0][1])["task_id"] == "transform.cdc_apply"
