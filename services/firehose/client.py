"""Client helpers for the delivery stream: a local flush, and reading delivered objects."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from shoplake import aws

if TYPE_CHECKING:
    from shoplake.settings import Settings

FLUSH_PATH = "/_shoplake/flush"
AWS_DELIVERY_MARGIN_S = 30.0


class FlushError(RuntimeError):
    """The delivery service did not deliver its buffers in time."""


def flush(settings: Settings, timeout_s: float = 120.0) -> dict[str, Any]:
    """Deliver the stream's buffered records now and return when they are in S3.

    Locally this calls the service's local-only `POST /_shoplake/flush` on the Firehose endpoint of the
    profile. AWS has no such call: on the aws profile it waits the stream's buffering interval plus a
    margin, which is an estimate of when AWS has delivered, not a confirmation.
    """
    firehose = aws.client("firehose", settings)
    if not settings.is_local:
        description = firehose.describe_delivery_stream(DeliveryStreamName=settings.firehose_stream)
        destination = description["DeliveryStreamDescription"]["Destinations"][0]
        hints = destination["ExtendedS3DestinationDescription"]["BufferingHints"]
        wait_s = min(timeout_s, hints["IntervalInSeconds"] + AWS_DELIVERY_MARGIN_S)
        time.sleep(wait_s)
        return {"waited_s": wait_s}

    url = firehose.meta.endpoint_url.rstrip("/") + FLUSH_PATH
    body = json.dumps({"DeliveryStreamName": settings.firehose_stream, "TimeoutSeconds": timeout_s}).encode()
    request = urllib.request.Request(url, data=body, method="POST",  # noqa: S310 - the profile's local endpoint
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s + 10) as response:  # noqa: S310
            result: dict[str, Any] = json.loads(response.read())
            return result
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")
        raise FlushError(f"flush of delivery stream {settings.firehose_stream} at {url} failed with HTTP "
                         f"{exc.code}: {detail}") from exc
    except urllib.error.URLError as exc:
        raise FlushError(f"Firehose service at {url} is not reachable ({exc.reason}); run 'shoplake stack up'") from exc
