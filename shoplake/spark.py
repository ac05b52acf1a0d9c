"""SparkSession factory configured from the active profile.

Locally, S3A talks to the profile's S3 endpoint with path-style access, and
`s3://` paths are served by S3A so Glue-style paths work unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from shoplake.errors import StackError
from shoplake.java import ensure_java17
from shoplake.settings import PROJECT_ROOT, Settings, get_settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

JARS_DIR = Path(os.environ.get("SHOPLAKE_JARS_DIR", PROJECT_ROOT / ".cache" / "jars"))
JAR_PREFIXES = ("hadoop-aws-", "aws-java-sdk-bundle-", "delta-spark_", "delta-storage-", "wildfly-openssl-")


def connector_jars() -> list[str]:
    """Return the connector jars fetched by `make jars` (see pom.xml)."""
    jars = sorted(str(path) for path in JARS_DIR.glob("*.jar") if path.name.startswith(JAR_PREFIXES))
    if len([jar for jar in jars if Path(jar).name.startswith(JAR_PREFIXES[:3])]) < 3:
        raise StackError(f"Spark connector jars missing in {JARS_DIR}; run 'make jars' (Maven reads pom.xml)")
    return jars


def s3a_options(settings: Settings) -> dict[str, str]:
    """Return Hadoop S3A options for the profile: a local endpoint, or AWS's defaults."""
    options = {
        "spark.hadoop.fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.s3a.fast.upload": "true",
        "spark.hadoop.fs.s3a.committer.name": "directory",
    }
    if not settings.is_local:
        options["spark.hadoop.fs.s3a.aws.credentials.provider"] = "com.amazonaws.auth.DefaultAWSCredentialsProviderChain"
        return options

    from shoplake.stack.state import endpoint_url

    endpoint = endpoint_url(settings, "s3") if settings.profile == "embedded" else f"http://127.0.0.1:{settings.ports.s3}"
    key_id, secret = local_keys(settings)
    options.update({
        "spark.hadoop.fs.s3a.endpoint": endpoint,
        "spark.hadoop.fs.s3a.path.style.access": "true",
        "spark.hadoop.fs.s3a.connection.ssl.enabled": "false",
        "spark.hadoop.fs.s3a.access.key": key_id,
        "spark.hadoop.fs.s3a.secret.key": secret,
        "spark.hadoop.fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
        "spark.hadoop.fs.s3a.endpoint.region": settings.region,
        # Small local multipart sizes keep memory low; SeaweedFS handles multipart ETags fine at this size.
        "spark.hadoop.fs.s3a.multipart.size": "32M",
        "spark.hadoop.fs.s3a.change.detection.mode": "none",
    })
    return options


def local_keys(settings: Settings) -> tuple[str, str]:
    """Return the placeholder access key pair of a local profile, read from its AWS config."""
    import configparser

    from shoplake.aws import CHECKED_IN_CONFIG

    parser = configparser.ConfigParser()
    parser.read(CHECKED_IN_CONFIG)
    section = f"profile {settings.aws_profile}"
    if not parser.has_section(section):
        raise StackError(f"profile {settings.aws_profile!r} not found in {CHECKED_IN_CONFIG}; add a [{section}] section")
    return parser[section]["aws_access_key_id"], parser[section]["aws_secret_access_key"]


def spark_options(settings: Settings) -> dict[str, str]:
    """Return every Spark option shoplake sets for the profile."""
    options = {
        "spark.master": settings.spark_master,
        "spark.driver.memory": settings.spark_driver_memory,
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.host": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.databricks.delta.schema.autoMerge.enabled": "false",
        "spark.jars": ",".join(connector_jars()),
    }
    options.update(s3a_options(settings))
    return options


def get_spark(app_name: str = "shoplake", settings: Settings | None = None) -> SparkSession:
    """Return a SparkSession for the profile (Java 17 pinned, connector jars and S3A configured)."""
    settings = settings or get_settings()
    ensure_java17()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    for key, value in spark_options(settings).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
