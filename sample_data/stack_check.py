"""Check that S3, Kinesis and PostgreSQL of the active profile answer before anything is written."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError, EndpointConnectionError

from sample_data.errors import StackUnreachableError
from shoplake import aws
from shoplake.settings import Settings

FIX = "run 'shoplake stack up' (embedded profile) or check the profile's endpoints"


def check_stack(settings: Settings) -> dict[str, Any]:
    """Return S3 and Kinesis clients; raise StackUnreachableError naming the first server that does not answer.

    Creates the campaign stream if it is missing (get-or-create), so a settings
    override with another stream name works.
    """
    from botocore.config import Config

    from shoplake.provision import ensure_campaign_stream
    from shoplake.stack.state import endpoint_url

    if settings.profile == "embedded":
        for service in ("s3", "kinesis"):
            endpoint_url(settings, service)  # raises StackNotRunningError with the fix in its message

    quick = Config(connect_timeout=3, retries={"max_attempts": 2, "mode": "standard"})
    s3 = aws.client("s3", settings, config=quick)
    kinesis = aws.client("kinesis", settings)
    try:
        s3.head_bucket(Bucket=settings.buckets.raw)
    except EndpointConnectionError as exc:
        raise StackUnreachableError(f"S3 endpoint not reachable (profile {settings.profile}): {exc}; {FIX}") from exc
    except ClientError as exc:
        raise StackUnreachableError(
            f"bucket {settings.buckets.raw} not found or not accessible (profile {settings.profile}): "
            f"{exc.response['Error'].get('Code')}; {FIX}") from exc

    try:
        ensure_campaign_stream(settings)
    except EndpointConnectionError as exc:
        raise StackUnreachableError(f"Kinesis endpoint not reachable (profile {settings.profile}): {exc}; {FIX}") from exc

    _check_postgres(settings)
    return {"s3": s3, "kinesis": kinesis}


def _check_postgres(settings: Settings) -> None:
    import psycopg2

    try:
        psycopg2.connect(settings.source_dsn(), connect_timeout=5).close()
    except psycopg2.OperationalError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else "connection failed"
        raise StackUnreachableError(
            f"source database {settings.source_db} not reachable (profile {settings.profile}): {first_line}; {FIX}"
        ) from exc
