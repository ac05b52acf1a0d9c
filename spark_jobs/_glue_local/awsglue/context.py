"""`GlueContext`: the job's entry to Spark, configured for the active shoplake profile."""

from __future__ import annotations

import logging

from pyspark.context import SparkContext
from pyspark.sql import SparkSession

from shoplake.settings import get_settings
from shoplake.spark import get_spark, spark_options

HADOOP_PREFIX = "spark.hadoop."
# Delta reads its log with 50 partitions by default, which dominates small local runs.
LOCAL_SQL_OPTIONS = {"spark.databricks.delta.snapshotPartitions": "2"}


class GlueContext:
    """Wrap a SparkContext the way Glue's GlueContext does, without DynamicFrames."""

    def __init__(self, spark_context: SparkContext) -> None:
        self._sc = spark_context
        settings = get_settings()
        self.spark_session: SparkSession = get_spark(spark_context.appName or "shoplake-glue-local", settings)
        self._apply_hadoop_options(spark_options(settings))
        for key, value in LOCAL_SQL_OPTIONS.items():
            self.spark_session.conf.set(key, value)

    def getLogger(self) -> logging.Logger:  # noqa: N802 (Glue's name)
        return logging.getLogger("awsglue.job")

    def _apply_hadoop_options(self, options: dict[str, str]) -> None:
        # An existing SparkContext ignores new spark.hadoop.* builder options, so set them directly.
        hadoop_conf = self._sc._jsc.hadoopConfiguration()
        for key, value in options.items():
            if key.startswith(HADOOP_PREFIX):
                hadoop_conf.set(key[len(HADOOP_PREFIX):], value)
