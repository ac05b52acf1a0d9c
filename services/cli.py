"""CLI commands of the services: `shoplake logs`, `shoplake lambda` and `shoplake firehose`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from shoplake.settings import get_settings

console = Console()
logs_app = typer.Typer(help="Put access-log files into the raw zone.", no_args_is_help=True)
lambda_app = typer.Typer(help="Invoke the Lambda handlers locally with AWS's event shapes.", no_args_is_help=True)
run_app = typer.Typer(help="Run one handler over its event source.", no_args_is_help=True)
lambda_app.add_typer(run_app, name="run")
firehose_app = typer.Typer(help="Inspect and flush the Firehose delivery stream.", no_args_is_help=True)


def _print(result: dict[str, Any]) -> None:
    console.print_json(json.dumps(result, default=str))


@logs_app.command("upload")
def logs_upload(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, help="Access-log files, plain or gzipped.")],
    server: Annotated[str | None, typer.Option(help="Server name in the keys (default: each file's name).")] = None,
) -> None:
    """Split files by UTC hour and upload them under access_logs/dt=.../hour=.../ in the raw bucket."""
    from services.runner.upload import upload_file
    from shoplake import aws

    settings = get_settings()
    s3 = aws.client("s3", settings)
    for path in files:
        result = upload_file(s3, settings.buckets.raw, path, server)
        console.print(f"{path}: {result['lines']} lines in {len(result['keys'])} objects")
        for key in result["keys"]:
            console.print(f"  s3://{settings.buckets.raw}/{key}")


@run_app.command("log-processor")
def run_log_processor(
    date: Annotated[str | None, typer.Option(help="Only objects of this dt (YYYY-MM-DD); default: all.")] = None,
) -> None:
    """Invoke the log-processor for each raw object not processed yet, then flush Firehose."""
    from services.runner.logs import run_log_processor as run

    _print(run(get_settings(), date))


@run_app.command("campaign-processor")
def run_campaign_processor(
    until_caught_up: Annotated[bool, typer.Option(help="Stop when every shard is at its tip.")] = True,
    batch_size: Annotated[int, typer.Option(min=1, max=10000, help="Maximum records per invocation.")] = 100,
    batching_window_s: Annotated[float, typer.Option(min=0, max=300, help="Seconds to wait to fill a batch.")] = 0.0,
    maximum_retry_attempts: Annotated[int, typer.Option(min=-1, help="Retries of a failing batch; -1 is no limit.")] = 3,
    maximum_record_age_s: Annotated[int, typer.Option(min=-1, help="Skip records older than this; -1 is no limit.")] = -1,
    bisect: Annotated[bool, typer.Option(help="Split a batch in two when the handler raises.")] = True,
) -> None:
    """Poll each shard of the campaign stream and invoke the campaign handler like an event source mapping."""
    from services.runner.campaigns import MappingSettings
    from services.runner.campaigns import run_campaign_processor as run

    mapping = MappingSettings(batch_size, batching_window_s, maximum_retry_attempts, maximum_record_age_s, bisect)
    _print(run(get_settings(), until_caught_up, mapping))


@firehose_app.command("flush")
def firehose_flush(
    timeout_s: Annotated[float, typer.Option(help="Seconds to wait for delivery.")] = 120.0,
) -> None:
    """Deliver buffered records now (local profiles; on aws, wait the buffering interval)."""
    from services.firehose.client import flush

    _print(flush(get_settings(), timeout_s))


@firehose_app.command("serve")
def firehose_serve(
    port: Annotated[int, typer.Option(help="TCP port to listen on.")],
    data_dir: Annotated[Path, typer.Option(help="Folder for stream configurations and buffered records.")],
    host: Annotated[str, typer.Option(help="Address to bind; 0.0.0.0 only inside a container.")] = "127.0.0.1",
) -> None:
    """Run the Firehose-compatible delivery service in the foreground (what `stack up` and compose start)."""
    from services.firehose.__main__ import main

    raise typer.Exit(main(["--host", host, "--port", str(port), "--data-dir", str(data_dir)]))


@firehose_app.command("describe")
def firehose_describe() -> None:
    """Print the delivery stream's description (DescribeDeliveryStream)."""
    from shoplake import aws

    settings = get_settings()
    response = aws.client("firehose", settings).describe_delivery_stream(DeliveryStreamName=settings.firehose_stream)
    _print(response["DeliveryStreamDescription"])
