"""Run the local Firehose service: `python -m services.firehose --host H --port P --data-dir DIR`."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from services.firehose.server import make_server
from services.firehose.service import FirehoseService

log = logging.getLogger("services.firehose")


def _s3_client_factory():  # type: ignore[no-untyped-def]
    """Return a function that makes an S3 client of the active profile, re-reading its AWS config each call."""
    from shoplake import aws
    from shoplake.settings import load_settings

    def create():  # type: ignore[no-untyped-def]
        settings = aws.activate(load_settings())
        return aws.client("s3", settings)

    return create


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.firehose", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, required=True, help="TCP port to listen on")
    parser.add_argument("--data-dir", type=Path, required=True, help="folder for stream configs and buffers")
    parser.add_argument("--region", default=None, help="region in stream ARNs (default: the profile's region)")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("botocore", "boto3", "urllib3", "s3transfer"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    region = arguments.region
    if region is None:
        from shoplake.settings import load_settings

        region = load_settings().region
    service = FirehoseService(arguments.data_dir, region, _s3_client_factory())
    server = make_server(arguments.host, arguments.port, service)

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("received signal %s; stopping", signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    service.start()
    log.info("Firehose service listening on http://%s:%s (data in %s)", arguments.host, arguments.port,
             arguments.data_dir)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        service.stop()
        log.info("Firehose service stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
