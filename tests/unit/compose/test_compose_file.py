"""Static checks of docker-compose.yml and compose/: no Docker engine needed.

`docker-compose config` (Debian package docker-compose) validates the file
without a daemon; the other checks read the YAML and the Dockerfiles.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

try:
    from typer import _click as click  # typer 0.29 builds its commands on a vendored copy of Click
except ImportError:
    import click
    import click.exceptions

ROOT = Path(__file__).resolve().parents[3]
COMPOSE_FILE = ROOT / "docker-compose.yml"
LOCALSTACK_OVERRIDE = ROOT / "compose" / "localstack.yml"
DOCKERFILES = sorted((ROOT / "compose").glob("*.Dockerfile"))
SHOPLAKE_DOCKERFILE = "compose/shoplake.Dockerfile"
DOCKER_COMPOSE = shutil.which("docker-compose")
NO_DOCKER_COMPOSE = "docker-compose is not installed; install the Debian package docker-compose (.ci/run does)"

# A tag that names a release: it contains a digit and is not a moving alias.
MOVING_TAGS = {"latest", "stable", "edge", "main", "master", "nightly"}
# Workers that serve no port: nothing waits for them, so they need no health check.
WORKERS = {"campaign-processor", "dms"}


def _load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def _services() -> dict[str, dict[str, Any]]:
    return _load(COMPOSE_FILE)["services"]


def _is_pinned(image: str) -> bool:
    if "@sha256:" in image:
        return True
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:
        return False
    return tag not in MOVING_TAGS and any(character.isdigit() for character in tag)


def _compose_config(*files: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    arguments = [DOCKER_COMPOSE or "docker-compose"]
    for path in files:
        arguments += ["-f", str(path)]
    environment = {key: value for key, value in os.environ.items() if key != "LOCALSTACK_AUTH_TOKEN"}
    environment.update(env or {})
    return subprocess.run([*arguments, "config", "-q"], cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.skipif(DOCKER_COMPOSE is None, reason=NO_DOCKER_COMPOSE)
def test_compose_config_validates() -> None:
    result = _compose_config(COMPOSE_FILE)

    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(DOCKER_COMPOSE is None, reason=NO_DOCKER_COMPOSE)
def test_localstack_override_validates_with_token() -> None:
    result = _compose_config(COMPOSE_FILE, LOCALSTACK_OVERRIDE, env={"LOCALSTACK_AUTH_TOKEN": "placeholder-token"})

    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(DOCKER_COMPOSE is None, reason=NO_DOCKER_COMPOSE)
def test_localstack_override_requires_token() -> None:
    result = _compose_config(COMPOSE_FILE, LOCALSTACK_OVERRIDE)

    assert result.returncode != 0
    assert "LOCALSTACK_AUTH_TOKEN" in result.stderr


@pytest.mark.parametrize("path", [COMPOSE_FILE, LOCALSTACK_OVERRIDE], ids=lambda path: path.name)
def test_compose_images_pinned(path: Path) -> None:
    unpinned = {name: service.get("image") for name, service in _load(path)["services"].items()
                if "image" in service and not _is_pinned(service["image"])}

    assert unpinned == {}


def test_services_have_image_or_build() -> None:
    missing = [name for name, service in _services().items() if "image" not in service and "build" not in service]

    assert missing == []


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda path: path.name)
def test_dockerfile_base_images_pinned(dockerfile: Path) -> None:
    stages = set()
    unpinned = []
    for line in dockerfile.read_text().splitlines():
        match = re.match(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line.strip(), re.IGNORECASE)
        if not match:
            continue
        image, stage = match.groups()
        if image not in stages and not _is_pinned(image):
            unpinned.append(image)
        if stage:
            stages.add(stage)

    assert stages or unpinned == [], f"no FROM line found in {dockerfile}"
    assert unpinned == []


def test_ports_published_on_loopback_only() -> None:
    exposed = []
    for name, service in _services().items():
        for mapping in service.get("ports", []):
            if not str(mapping).startswith("127.0.0.1:"):
                exposed.append(f"{name}: {mapping}")

    assert exposed == []


def _one_shot_services(services: dict[str, dict[str, Any]]) -> set[str]:
    """Services that others wait for with service_completed_successfully."""
    one_shot = set()
    for service in services.values():
        for target, rule in service.get("depends_on", {}).items():
            if rule.get("condition") == "service_completed_successfully":
                one_shot.add(target)
    return one_shot


def test_long_running_services_have_healthchecks() -> None:
    services = _services()
    one_shot = _one_shot_services(services)
    without = [name for name, service in services.items()
               if name not in one_shot | WORKERS and "healthcheck" not in service]

    assert without == []


def test_depends_on_uses_conditions() -> None:
    services = _services()
    problems = []
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        if isinstance(depends_on, list):
            problems.append(f"{name}: depends_on without conditions")
            continue
        for target, rule in depends_on.items():
            if target not in services:
                problems.append(f"{name}: depends on unknown service {target}")
            elif rule.get("condition") == "service_healthy" and "healthcheck" not in services[target]:
                problems.append(f"{name}: waits for {target} to be healthy, but {target} has no health check")
            elif rule.get("condition") not in ("service_healthy", "service_completed_successfully"):
                problems.append(f"{name}: depends on {target} with condition {rule.get('condition')}")

    assert problems == []


def test_stateful_services_use_named_volumes() -> None:
    compose = _load(COMPOSE_FILE)
    named = set(compose.get("volumes", {}))
    for name in ("minio", "postgres", "firehose"):
        sources = [str(volume).split(":", 1)[0] for volume in compose["services"][name].get("volumes", [])]
        assert any(source in named for source in sources), f"{name} keeps its data in no named volume"


def test_referenced_files_exist() -> None:
    missing = []
    for name, service in _services().items():
        build = service.get("build")
        if isinstance(build, dict) and not (ROOT / build.get("context", ".") / build["dockerfile"]).is_file():
            missing.append(f"{name}: {build['dockerfile']}")
        for volume in service.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if source.startswith(".") and not (ROOT / source).exists():
                missing.append(f"{name}: {source}")

    assert missing == []


def test_published_ports_match_compose_settings() -> None:
    settings = tomllib.loads((ROOT / "aws_profile" / "settings" / "compose.toml").read_text())["ports"]
    published = {}
    for name, service in _services().items():
        for mapping in service.get("ports", []):
            _, host_port, _ = str(mapping).split(":")
            published[int(host_port)] = name

    assert published.get(settings["s3"]) == "minio"
    assert published.get(settings["kinesis"]) == "kinesis"
    assert published.get(settings["firehose"]) == "firehose"
    assert published.get(settings["postgres"]) == "postgres"


def test_postgres_runs_with_logical_replication() -> None:
    command = _services()["postgres"]["command"]

    assert "wal_level=logical" in command


# The CLI check: services built from the shoplake image run `shoplake <command>`.

def _shoplake_services() -> dict[str, list[str]]:
    commands = {}
    for name, service in _services().items():
        build = service.get("build")
        if isinstance(build, dict) and build.get("dockerfile") == SHOPLAKE_DOCKERFILE and build.get("target") == "runtime":
            commands[name] = [str(part) for part in service["command"]]
    return commands


def _is_group(command: Any) -> bool:
    return hasattr(command, "list_commands")


@pytest.fixture(scope="module")
def cli_root() -> Any:
    from shoplake import cli

    cli._register_subcommands()
    command = typer.main.get_command(cli.app)
    assert _is_group(command)
    return command


def test_shoplake_image_entrypoint_is_cli() -> None:
    text = (ROOT / SHOPLAKE_DOCKERFILE).read_text()
    runtime_stage = text.split("AS runtime", 1)[1].split("\nFROM ", 1)[0]

    assert 'ENTRYPOINT ["shoplake"]' in runtime_stage


def test_compose_has_shoplake_services() -> None:
    assert set(_shoplake_services()) >= {"firehose", "campaign-processor", "dms"}


@pytest.mark.parametrize("service", sorted(_shoplake_services()))
def test_service_command_exists_in_cli(service: str, cli_root: Any) -> None:
    arguments = _shoplake_services()[service]
    command = cli_root
    path = ["shoplake"]
    while _is_group(command) and arguments and not arguments[0].startswith("-"):
        child = command.get_command(click.Context(command, info_name=path[-1]), arguments[0])
        assert child is not None, f"{service}: 'shoplake {' '.join(path[1:] + arguments[:1])}' is not a CLI command"
        command = child
        path.append(arguments.pop(0))

    assert not _is_group(command), f"{service}: 'shoplake {' '.join(path[1:])}' needs a sub-command"
    try:
        command.make_context(" ".join(path), list(arguments), resilient_parsing=False)
    except click.exceptions.UsageError as exc:
        pytest.fail(f"{service}: 'shoplake {' '.join(path[1:] + arguments)}' is rejected by the CLI: {exc.format_message()}")
