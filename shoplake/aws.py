"""The AWS profile switch: point boto3 at the active profile's endpoints.

Local profiles name per-service `endpoint_url`s in an AWS shared-config file,
so code calls plain `boto3.client("s3")` on every profile.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shoplake.settings import PROJECT_ROOT, Settings, get_settings

if TYPE_CHECKING:
    import boto3

CHECKED_IN_CONFIG = PROJECT_ROOT / "aws_profile" / "config"


def rendered_config(settings: Settings) -> Path:
    """Return the copy of the AWS config that `stack up` writes with the ports it used."""
    return settings.data_dir / "aws" / "config"


def config_file(settings: Settings) -> Path | None:
    """Return the AWS config file of a local profile, or None for `aws` (the user's own config)."""
    if not settings.is_local:
        return None
    rendered = rendered_config(settings)
    return rendered if rendered.is_file() else CHECKED_IN_CONFIG


def aws_environment(settings: Settings | None = None) -> dict[str, str]:
    """Return the environment variables that make boto3 (and child processes) use the profile."""
    settings = settings or get_settings()
    env = {"AWS_PROFILE": settings.aws_profile, "AWS_DEFAULT_REGION": settings.region,
           "SHOPLAKE_PROFILE": settings.profile}
    config = config_file(settings)
    if config is not None:
        env["AWS_CONFIG_FILE"] = str(config)
        env["AWS_SHARED_CREDENTIALS_FILE"] = str(config.parent / "credentials-unused")
    return env


def activate(settings: Settings | None = None) -> Settings:
    """Export the profile's AWS environment into this process, so plain boto3 clients follow it."""
    settings = settings or get_settings()
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        if settings.is_local:
            os.environ.pop(key, None)
    os.environ.update(aws_environment(settings))

    import boto3

    # boto3's module-level client() caches a default session that read the old environment.
    boto3.DEFAULT_SESSION = None
    return settings


def session(settings: Settings | None = None) -> boto3.Session:
    """Return a boto3 session for the active profile."""
    import boto3

    activate(settings)
    return boto3.Session()


def client(service: str, settings: Settings | None = None, **kwargs: Any) -> Any:
    """Return a boto3 client of the active profile for `service`."""
    return session(settings).client(service, **kwargs)


def render_config(settings: Settings, ports: dict[str, int]) -> Path:
    """Write the checked-in AWS config with the local profile's ports replaced by `ports`."""
    text = CHECKED_IN_CONFIG.read_text()
    section = f"[services {settings.aws_profile}]"
    head, marker, tail = text.partition(section)
    if not marker:
        raise ValueError(f"section {section} not found in {CHECKED_IN_CONFIG}")
    body, next_section, rest = tail.partition("\n[")
    for service, port in ports.items():
        body = _replace_port(body, service, port)
    target = rendered_config(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(head + marker + body + next_section + rest)
    return target


def _replace_port(body: str, service: str, port: int) -> str:
    lines = body.splitlines(keepends=True)
    current = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.endswith("=") and not line.startswith(" "):
            current = stripped[:-1].strip()
        elif current == service and stripped.startswith("endpoint_url"):
            indent = line[: len(line) - len(line.lstrip())]
            lines[index] = f"{indent}endpoint_url = http://127.0.0.1:{port}\n"
    return "".join(lines)
