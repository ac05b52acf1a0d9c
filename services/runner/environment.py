"""Give locally invoked handlers the environment a deployed function would have."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from shoplake import aws

if TYPE_CHECKING:
    from shoplake.settings import Settings


def prepare(settings: Settings) -> None:
    """Point boto3 at the profile and export the names the handlers read from their environment."""
    aws.activate(settings)
    os.environ["SHOPLAKE_BUCKETS__STAGING"] = settings.buckets.staging
    os.environ["SHOPLAKE_BUCKETS__QUARANTINE"] = settings.buckets.quarantine
    os.environ["SHOPLAKE_STREAMS__FIREHOSE_DELIVERY_STREAM"] = settings.firehose_stream
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
