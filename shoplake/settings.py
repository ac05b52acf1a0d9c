"""Typed settings of one profile, read once per process.

Precedence: explicit overrides > environment (`SHOPLAKE_<SECTION>__<KEY>`) >
the profile's file in `aws_profile/settings/` > defaults below.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from shoplake.errors import SettingsError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SETTINGS_DIR = PROJECT_ROOT / "aws_profile" / "settings"
PROFILES = ("embedded", "compose", "aws")
LOCAL_PROFILES = ("embedded", "compose")
ENV_PREFIX = "SHOPLAKE_"

REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "aws": ("profile", "region"),
    "paths": ("data_dir",),
    "buckets": ("raw", "staging", "curated", "quarantine"),
    "streams": ("campaign_stream", "firehose_delivery_stream"),
    "postgres": ("host", "user", "source_db", "warehouse_db"),
    "warehouse": ("engine",),
    "spark": ("master",),
    "alerts": ("notifier", "target"),
}
LOCAL_REQUIRED_KEYS: dict[str, tuple[str, ...]] = {"ports": ("s3", "kinesis", "firehose", "postgres")}
INT_KEYS = {("ports", "s3"), ("ports", "kinesis"), ("ports", "firehose"), ("ports", "postgres"), ("streams", "campaign_shards")}
NOTIFIERS = ("file", "smtp", "webhook", "sns")
WAREHOUSE_ENGINES = ("postgres", "redshift")


@dataclass(frozen=True)
class Buckets:
    """Names of the four lake zones."""

    raw: str
    staging: str
    curated: str
    quarantine: str

    def all(self) -> list[str]:
        return [self.raw, self.staging, self.curated, self.quarantine]


@dataclass(frozen=True)
class Ports:
    """Loopback ports of the local servers, where 0 means any free port."""

    s3: int = 0
    kinesis: int = 0
    firehose: int = 0
    postgres: int = 0


@dataclass(frozen=True)
class Settings:
    """Everything a shoplake process needs to know about its profile."""

    profile: str
    source_file: Path
    aws_profile: str
    region: str
    data_dir: Path
    buckets: Buckets
    campaign_stream: str
    campaign_shards: int
    firehose_stream: str
    ports: Ports
    postgres_host: str
    postgres_user: str
    source_db: str
    warehouse_db: str
    warehouse_engine: str
    spark_master: str
    spark_driver_memory: str
    alert_notifier: str
    alert_target: str
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def is_local(self) -> bool:
        return self.profile in LOCAL_PROFILES

    def section(self, name: str) -> dict[str, Any]:
        """Return a raw settings section that has no typed field (for example `glue`)."""
        return dict(self.extra.get(name, {}))

    def source_dsn(self) -> str:
        return self._dsn(self.source_db)

    def warehouse_dsn(self) -> str:
        return self._dsn(self.warehouse_db)

    def _dsn(self, database: str) -> str:
        # Imported here because the stack module imports this one.
        from shoplake.stack.state import postgres_endpoint

        host, port, password = postgres_endpoint(self)
        fields = {"host": host, "port": port, "user": self.postgres_user, "dbname": database}
        if password:
            fields["password"] = password
        return " ".join(f"{key}={_dsn_value(value)}" for key, value in fields.items())


def _dsn_value(value: object) -> str:
    """Quote a libpq connection-string value, so spaces, quotes and backslashes stay part of it."""
    escaped = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def _read_file(path: Path, profile: str) -> dict[str, Any]:
    if not path.is_file():
        raise SettingsError(
            f"unknown profile {profile!r}: settings file {path} not found; "
            f"use one of {', '.join(PROFILES)} (--profile or SHOPLAKE_PROFILE)"
        )
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"invalid TOML in {path}: {exc}; fix the file's syntax") from exc
    for section, value in data.items():
        if not isinstance(value, dict):
            raise SettingsError(f"invalid setting [{section}] in {path}: expected a table (a [{section}] section "
                                f"of keys), found {type(value).__name__} {value!r}")
    return data


def _apply_environment(data: dict[str, Any]) -> None:
    for name, value in os.environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX):].lower().partition("__")
        data.setdefault(section, {})[key] = value


def _apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> None:
    for dotted, value in overrides.items():
        section, _, key = dotted.partition(".")
        data.setdefault(section, {})[key] = value


def _check(data: dict[str, Any], path: Path, profile: str) -> None:
    required = dict(REQUIRED_KEYS)
    if profile in LOCAL_PROFILES:
        required.update(LOCAL_REQUIRED_KEYS)
    for section, keys in required.items():
        for key in keys:
            if data.get(section, {}).get(key) in (None, ""):
                raise SettingsError(
                    f"missing setting [{section}] {key} in {path}; add it to the file "
                    f"or set {ENV_PREFIX}{section.upper()}__{key.upper()}"
                )
    for section, key in INT_KEYS:
        value = data.get(section, {}).get(key)
        if value is None:
            continue
        try:
            if isinstance(value, bool | float):
                raise TypeError("int() would accept a TOML boolean or float")  # true is 1, 80.9 is 80
            number = int(value)
        except (TypeError, ValueError):
            raise SettingsError(f"invalid setting [{section}] {key} = {value!r} in {path}: expected an integer") from None
        if section == "ports" and not 0 <= number <= 65535:
            raise SettingsError(f"invalid setting [ports] {key} = {number} in {path}: expected 0 (any free port) to 65535")
        if (section, key) == ("streams", "campaign_shards") and number < 1:
            raise SettingsError(f"invalid setting [streams] campaign_shards = {number} in {path}: "
                                "expected a shard count of 1 or more")
        data[section][key] = number
    _check_choice(data, path, "alerts", "notifier", NOTIFIERS)
    _check_choice(data, path, "warehouse", "engine", WAREHOUSE_ENGINES)


def _check_choice(data: dict[str, Any], path: Path, section: str, key: str, choices: tuple[str, ...]) -> None:
    value = data[section][key]
    if value not in choices:
        raise SettingsError(f"invalid setting [{section}] {key} = {value!r} in {path}: expected one of {', '.join(choices)}")


def _resolve(path_text: str) -> Path:
    path = Path(path_text).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def load_settings(profile: str | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Read and validate one profile's settings (no caching; see `get_settings`)."""
    profile = profile or os.environ.get("SHOPLAKE_PROFILE") or "embedded"
    path = Path(os.environ.get("SHOPLAKE_SETTINGS_DIR", SETTINGS_DIR)) / f"{profile}.toml"
    data = _read_file(path, profile)
    _apply_environment(data)
    _apply_overrides(data, overrides or {})
    _check(data, path, profile)

    ports = data.get("ports", {})
    typed_sections = set(REQUIRED_KEYS) | {"ports"}
    return Settings(
        profile=profile,
        source_file=path,
        aws_profile=data["aws"]["profile"],
        region=data["aws"]["region"],
        data_dir=_resolve(data["paths"]["data_dir"]),
        buckets=Buckets(**{key: data["buckets"][key] for key in ("raw", "staging", "curated", "quarantine")}),
        campaign_stream=data["streams"]["campaign_stream"],
        campaign_shards=int(data["streams"].get("campaign_shards", 2)),
        firehose_stream=data["streams"]["firehose_delivery_stream"],
        ports=Ports(**{key: int(ports.get(key, 0)) for key in ("s3", "kinesis", "firehose", "postgres")}),
        postgres_host=data["postgres"]["host"],
        postgres_user=data["postgres"]["user"],
        source_db=data["postgres"]["source_db"],
        warehouse_db=data["postgres"]["warehouse_db"],
        warehouse_engine=data["warehouse"]["engine"],
        spark_master=data["spark"]["master"],
        spark_driver_memory=str(data["spark"].get("driver_memory", "2g")),
        alert_notifier=data["alerts"]["notifier"],
        alert_target=data["alerts"]["target"],
        extra={name: dict(values) for name, values in data.items() if name not in typed_sections or name in ("postgres", "warehouse")},
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process's settings, read once from the active profile."""
    return load_settings()


def reset_settings_cache() -> None:
    """Forget the cached settings (tests and the CLI's --profile use this)."""
    get_settings.cache_clear()
