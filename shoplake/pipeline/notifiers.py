"""Alert notifiers: one class per channel, chosen by the `[alerts] notifier` setting.

| notifier | `[alerts] target` | also reads |
|---|---|---|
| `file` | path of a JSON-lines file (relative paths start at the project root) | |
| `smtp` | comma-separated recipient addresses | `[smtp] host, port, sender, user, starttls`, `SHOPLAKE_SMTP__PASSWORD` |
| `webhook` | URL that accepts a Slack-style JSON POST (`{"text": ...}`) | |
| `sns` | SNS topic ARN | the profile's AWS credentials |
"""

from __future__ import annotations

import fcntl
import json
import logging
import smtplib
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from shoplake.errors import SettingsError
from shoplake.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from shoplake.settings import Settings

log = logging.getLogger(__name__)
WEBHOOK_TIMEOUT_S = 10
SMTP_TIMEOUT_S = 10


@dataclass(frozen=True)
class Alert:
    """One alert: a failed task or a run that took longer than expected."""

    kind: str  # "task_failed" or "run_overdue"
    dag_id: str
    run_id: str
    logical_date: str
    task_id: str | None = None
    try_number: int | None = None
    error: str | None = None
    log_url: str | None = None
    log_file: str | None = None
    duration_s: float | None = None
    expected_s: float | None = None
    sent_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def subject(self) -> str:
        if self.kind == "run_overdue":
            return f"[shoplake] {self.dag_id} run for {self.logical_date} is overdue"
        return f"[shoplake] {self.dag_id}.{self.task_id} failed for {self.logical_date} (try {self.try_number})"

    def text(self) -> str:
        lines = [self.subject()]
        for name in ("run_id", "error", "duration_s", "expected_s", "log_url", "log_file"):
            value = getattr(self, name)
            if value is not None:
                lines.append(f"{name}: {value}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


class Notifier(Protocol):
    def send(self, alert: Alert) -> None: ...


class FileNotifier:
    """Append each alert as one JSON line to a local file (the local profiles' sink)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, alert: Alert) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(alert.to_dict(), sort_keys=True) + "\n"
        with self.path.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # tasks of parallel runs may alert at once
            handle.write(line)

    def read(self) -> list[dict[str, object]]:
        """Return every alert written so far, oldest first."""
        if not self.path.is_file():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]


class SmtpNotifier:
    """Send each alert as a plain-text email (smtplib; STARTTLS when `starttls` is true)."""

    def __init__(self, recipients: list[str], host: str, port: int, sender: str,
                 user: str | None = None, password: str | None = None, starttls: bool = True) -> None:
        self.recipients = recipients
        self.host = host
        self.port = port
        self.sender = sender
        self.user = user
        self.password = password
        self.starttls = starttls

    def send(self, alert: Alert) -> None:
        message = EmailMessage()
        message["Subject"] = alert.subject()
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message.set_content(alert.text())
        with smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_S) as client:
            if self.starttls:
                client.starttls()
            if self.user and self.password:
                client.login(self.user, self.password)
            client.send_message(message)


class WebhookNotifier:
    """POST each alert as Slack-style JSON: `{"text": ..., "alert": {...}}`."""

    def __init__(self, url: str) -> None:
        if not url.startswith(("https://", "http://")):
            raise SettingsError(f"invalid setting [alerts] target = {url!r}: the webhook notifier needs an http(s) URL")
        self.url = url

    def send(self, alert: Alert) -> None:
        body = json.dumps({"text": alert.text(), "alert": alert.to_dict()}).encode()
        request = urllib.request.Request(self.url, data=body, method="POST",  # noqa: S310 - scheme checked above
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as response:  # noqa: S310
            response.read()


class SnsNotifier:
    """Publish each alert to an SNS topic (boto3 `sns.publish`)."""

    def __init__(self, topic_arn: str) -> None:
        if not topic_arn.startswith("arn:"):
            raise SettingsError(f"invalid setting [alerts] target = {topic_arn!r}: the sns notifier needs a topic ARN")
        self.topic_arn = topic_arn

    def send(self, alert: Alert) -> None:
        from shoplake import aws

        # SNS limits subjects to 100 characters.
        aws.client("sns").publish(TopicArn=self.topic_arn, Subject=alert.subject()[:100],
                                  Message=json.dumps(alert.to_dict()))


def make_notifier(settings: Settings) -> Notifier:
    """Return the notifier that `[alerts] notifier` names, configured from `[alerts] target`."""
    kind, target = settings.alert_notifier, settings.alert_target
    if kind == "file":
        return FileNotifier(alert_file(settings))
    if kind == "webhook":
        return WebhookNotifier(target)
    if kind == "sns":
        return SnsNotifier(target)
    if kind == "smtp":
        return _smtp_notifier(settings)
    raise SettingsError(f"invalid setting [alerts] notifier = {kind!r}: expected file, smtp, webhook or sns")


def alert_file(settings: Settings) -> Path:
    """Return the file that the `file` notifier appends to."""
    path = Path(settings.alert_target).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def _smtp_notifier(settings: Settings) -> SmtpNotifier:
    smtp = settings.section("smtp")
    missing = [key for key in ("host", "sender") if not smtp.get(key)]
    if missing:
        raise SettingsError(
            f"missing setting [smtp] {', '.join(missing)} for the smtp notifier; add a [smtp] section to "
            f"{settings.source_file} or set SHOPLAKE_SMTP__HOST and SHOPLAKE_SMTP__SENDER"
        )
    recipients = [address.strip() for address in settings.alert_target.split(",") if address.strip()]
    return SmtpNotifier(
        recipients=recipients, host=str(smtp["host"]), port=int(smtp.get("port", 587)), sender=str(smtp["sender"]),
        user=smtp.get("user"), password=smtp.get("password"),
        starttls=str(smtp.get("starttls", "true")).lower() in ("1", "true", "yes"),
    )
