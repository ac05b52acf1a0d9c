"""HTTP front end: the Firehose JSON 1.1 protocol (`X-Amz-Target: Firehose_20150804.<Operation>`).

Besides the AWS operations, two local-only paths exist on the same port and are not part of AWS's API:
`POST /_shoplake/flush` (body `{"DeliveryStreamName": name, "TimeoutSeconds": n}`, both optional) seals
every buffer and returns once it is delivered, and `GET /_shoplake/stats` returns per-stream counters.
"""

from __future__ import annotations

import json
import logging
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from services.firehose.errors import FirehoseApiError
from services.firehose.service import FirehoseService

log = logging.getLogger(__name__)

TARGET_PREFIX = "Firehose_20150804."
CONTENT_TYPE = "application/x-amz-json-1.1"
FLUSH_PATH = "/_shoplake/flush"
STATS_PATH = "/_shoplake/stats"
OPERATIONS = {
    "CreateDeliveryStream": "create_delivery_stream",
    "DeleteDeliveryStream": "delete_delivery_stream",
    "DescribeDeliveryStream": "describe_delivery_stream",
    "ListDeliveryStreams": "list_delivery_streams",
    "PutRecord": "put_record",
    "PutRecordBatch": "put_record_batch",
}


def make_server(host: str, port: int, service: FirehoseService) -> ThreadingHTTPServer:
    """Return an HTTP server bound to host:port that serves the API of `service`."""
    handler = type("BoundFirehoseHandler", (FirehoseRequestHandler,), {"service": service})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


class FirehoseRequestHandler(BaseHTTPRequestHandler):
    """One HTTP request: dispatch an X-Amz-Target operation or a local admin path."""

    service: FirehoseService
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            request = json.loads(body or b"{}")
            if self.path.startswith(FLUSH_PATH):
                result = self.service.flush(request.get("DeliveryStreamName"),
                                            float(request.get("TimeoutSeconds", 60)))
            else:
                result = self._dispatch(request)
        except FirehoseApiError as exc:
            self._reply(exc.status, {"__type": exc.code, "message": exc.message})
        except json.JSONDecodeError as exc:
            self._reply(400, {"__type": "SerializationException", "message": f"request body is not JSON: {exc}"})
        except Exception as exc:  # noqa: BLE001 - answered as AWS's InternalFailure so clients retry
            log.exception("request %s failed", self.headers.get("X-Amz-Target"))
            self._reply(500, {"__type": "InternalFailure", "message": str(exc)})
        else:
            self._reply(200, result)

    def do_GET(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
        if self.path.startswith(STATS_PATH):
            self._reply(200, {"Stats": self.service.stats})
        else:
            self._reply(404, {"__type": "UnknownOperationException", "message": f"no resource at {self.path}"})

    def _dispatch(self, request: dict[str, Any]) -> dict[str, Any]:
        target = self.headers.get("X-Amz-Target", "")
        operation = target[len(TARGET_PREFIX):] if target.startswith(TARGET_PREFIX) else ""
        method = OPERATIONS.get(operation)
        if method is None:
            raise FirehoseApiError("UnknownOperationException",
                                   f"operation {target or '(no X-Amz-Target)'} is not supported by the local "
                                   f"Firehose service (supported: {', '.join(OPERATIONS)})")
        result: dict[str, Any] = getattr(self.service, method)(request)
        return result

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature fixed by the base class
        log.debug("%s %s", self.address_string(), format % args)
