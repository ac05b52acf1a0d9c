"""Handler configuration from the Lambda environment.

The variable names are the settings overrides of shoplake (`SHOPLAKE_<SECTION>__<KEY>`), so a deployed
function and the local runner read the same names; defaults are the names in docs/contracts.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

# Used when SHOPLAKE_IP_HASH_KEY is not set outside AWS Lambda. It is not a secret: it only makes local
# hashes repeatable. A deployed function must set its own key, and refuses to start without one.
LOCAL_IP_HASH_KEY = "shoplake-local-ip-hash-key-not-secret"


class ConfigurationError(RuntimeError):
    """A required environment variable of the handler is missing."""


@dataclass(frozen=True)
class HandlerConfig:
    """Names the log-processor handler writes to, and its IP hash key."""

    delivery_stream: str
    quarantine_bucket: str
    ip_hash_key: bytes

    @classmethod
    def from_environment(cls) -> HandlerConfig:
        key = os.environ.get("SHOPLAKE_IP_HASH_KEY")
        if not key:
            if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
                raise ConfigurationError(
                    "SHOPLAKE_IP_HASH_KEY is not set for this Lambda function; set it from Secrets Manager "
                    "or SSM Parameter Store so client IPs are hashed with a private key")
            key = LOCAL_IP_HASH_KEY
        return cls(
            delivery_stream=os.environ.get("SHOPLAKE_STREAMS__FIREHOSE_DELIVERY_STREAM", "shoplake-access-logs"),
            quarantine_bucket=os.environ.get("SHOPLAKE_BUCKETS__QUARANTINE", "shoplake-quarantine"),
            ip_hash_key=key.encode(),
        )
