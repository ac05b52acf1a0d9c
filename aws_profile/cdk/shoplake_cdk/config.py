"""What the CDK app reads from the repository: the aws profile's settings, job scripts, table mappings."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[3]
SETTINGS_FILE = PROJECT_ROOT / "aws_profile" / "settings" / "aws.toml"
SPARK_JOBS_DIR = PROJECT_ROOT / "spark_jobs"
DMS_CONFIG_DIR = PROJECT_ROOT / "services" / "dms" / "config"
TABLE_MAPPINGS_FILE = DMS_CONFIG_DIR / "table-mappings.json"
TASK_SETTINGS_FILE = DMS_CONFIG_DIR / "task-settings.json"
TARGET_ENDPOINT_FILE = DMS_CONFIG_DIR / "target-endpoint.json"

# Python packages that the Lambda functions and Glue jobs import; everything else stays out of the assets.
LAMBDA_PACKAGES = ("services", "shoplake", "aws_profile/settings")
GLUE_PACKAGES = ("spark_jobs", "shoplake", "aws_profile/settings", "warehouse")


class ProjectConfigError(Exception):
    """A file that the CDK app reads at synth time is missing or invalid."""


@dataclass(frozen=True)
class Project:
    """The repository facts that the stack is built from."""

    region: str
    buckets: dict[str, str]
    campaign_stream: str
    campaign_shards: int
    firehose_stream: str
    source_host: str
    source_db: str
    source_user: str
    source_secret_name: str
    warehouse_workgroup: str
    warehouse_database: str
    glue_job_prefix: str
    glue_jobs: tuple[str, ...]
    table_mappings: dict[str, Any]
    task_settings: dict[str, Any]
    s3_target_settings: dict[str, Any]


def _read_settings() -> dict[str, Any]:
    if not SETTINGS_FILE.is_file():
        raise ProjectConfigError(f"settings file {SETTINGS_FILE} not found; the CDK app deploys what it names")
    with SETTINGS_FILE.open("rb") as handle:
        return tomllib.load(handle)


def glue_job_scripts() -> tuple[str, ...]:
    """Return the names of the Glue job scripts: files in spark_jobs/ that call getResolvedOptions."""
    names = [path.stem for path in sorted(SPARK_JOBS_DIR.glob("*.py"))
             if not path.name.startswith("_") and "getResolvedOptions" in path.read_text()]
    return tuple(names)


def _read_json(path: Path, what: str) -> dict[str, Any]:
    if not path.is_file():
        raise ProjectConfigError(
            f"{what} {path} not found; the DMS task uses the same file as the local replicator, "
            "so add it under services/dms/config/ before synthesizing"
        )
    try:
        content = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ProjectConfigError(f"invalid JSON in {what} {path}: {exc}") from exc
    if not isinstance(content, dict):
        raise ProjectConfigError(f"{what} {path} must contain a JSON object")
    return content


def read_table_mappings(path: Path = TABLE_MAPPINGS_FILE) -> dict[str, Any]:
    """Read the DMS table mappings that the local replicator uses too."""
    mappings = _read_json(path, "DMS table mappings")
    if not mappings.get("rules"):
        raise ProjectConfigError(f"DMS table mappings {path} have no 'rules' list; see the DMS table-mapping format")
    return mappings


def read_s3_target_settings(path: Path = TARGET_ENDPOINT_FILE) -> dict[str, Any]:
    """Return the S3Settings of the local replicator's target endpoint, keyed as CDK's S3SettingsProperty."""
    settings = _read_json(path, "DMS target endpoint").get("S3Settings", {})
    return {re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower(): value for key, value in settings.items()}


def load_project() -> Project:
    """Read everything the stack needs from the repository, with a clear error for each missing piece."""
    settings = _read_settings()
    jobs = glue_job_scripts()
    if not jobs:
        raise ProjectConfigError(f"no Glue job script (a .py file calling getResolvedOptions) in {SPARK_JOBS_DIR}")
    postgres = settings["postgres"]
    return Project(
        region=settings["aws"]["region"],
        buckets={zone: settings["buckets"][zone] for zone in ("raw", "staging", "curated", "quarantine")},
        campaign_stream=settings["streams"]["campaign_stream"],
        campaign_shards=int(settings["streams"].get("campaign_shards", 2)),
        firehose_stream=settings["streams"]["firehose_delivery_stream"],
        source_host=postgres["host"],
        source_db=postgres["source_db"],
        source_user=postgres["user"],
        source_secret_name=postgres.get("password_secret", "shoplake/source-db"),
        warehouse_workgroup=settings["warehouse"].get("workgroup", "shoplake"),
        warehouse_database=settings["warehouse"].get("database", "dev"),
        glue_job_prefix=settings.get("glue", {}).get("job_name_prefix", "shoplake-"),
        glue_jobs=jobs,
        table_mappings=read_table_mappings(),
        task_settings=_read_json(TASK_SETTINGS_FILE, "DMS task settings"),
        s3_target_settings=read_s3_target_settings(),
    )


def asset_excludes(packages: tuple[str, ...]) -> list[str]:
    """Return asset exclude patterns that keep only `packages` (folders under the project root)."""
    patterns = ["*"]
    for package in packages:
        parts = package.split("/")
        for depth in range(1, len(parts) + 1):
            patterns.append("!" + "/".join(parts[:depth]))
        patterns.append(f"!{package}/**")
    patterns += ["**/__pycache__", "**/*.pyc", "**/node_modules", "**/cdk.out"]
    return patterns
