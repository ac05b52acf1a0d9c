"""Great Expectations quality gates: validate a day's tables, build Data Docs, stop the run on failure.

`quality/gates.toml` lists each gate's datasets and `quality/suites/*.json`
holds the expectation suites (Great Expectations 1.x JSON). The Great
Expectations project itself (validation results, Data Docs) lives under the
data folder, so the repository holds only the suites and the gate table.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import os
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shoplake.pipeline.datasets import (
    Dataset,
    day_parameters,
    load_s3_objects,
    warehouse_parameters,
    warehouse_query,
    warehouse_url,
)
from shoplake.pipeline.errors import QualityGateError
from shoplake.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from shoplake.settings import Settings

log = logging.getLogger(__name__)
QUALITY_DIR = PROJECT_ROOT / "quality"
GATES_FILE = QUALITY_DIR / "gates.toml"
SUITES_DIR = QUALITY_DIR / "suites"
DATA_DOCS_SITE = "local_site"
DATA_DOCS_PREFIX = "_data_docs/"


@dataclass
class GateResult:
    """What one gate found for one day."""

    gate: str
    logical_date: str
    success: bool
    evaluated: int = 0
    failed: list[str] = field(default_factory=list)
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)


def load_gates(path: Path = GATES_FILE) -> dict[str, list[Dataset]]:
    """Read the gate table: `{gate: [Dataset, ...]}`."""
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    gates: dict[str, list[Dataset]] = {}
    for gate, entries in raw.items():
        gates[gate] = [Dataset(name=entry.pop("name"), suite=entry.pop("suite"), loader=entry.pop("loader"),
                               options=entry) for entry in entries]
    return gates


def data_docs_dir(settings: Settings) -> Path:
    return settings.data_dir / "data_docs"


def data_docs_index(settings: Settings) -> Path:
    return data_docs_dir(settings) / "index.html"


def data_docs_s3_url(settings: Settings) -> str:
    return f"s3://{settings.buckets.curated}/{DATA_DOCS_PREFIX}"


def get_context(settings: Settings) -> Any:
    """Open (or create) the Great Expectations file project under the data folder, Data Docs to `data_docs/`."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=str(settings.data_dir / "gx"))
    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                          "base_directory": str(data_docs_dir(settings))},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    if context.variables.data_docs_sites != {DATA_DOCS_SITE: site}:
        context.variables.data_docs_sites = {DATA_DOCS_SITE: site}
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        context.variables.save()
        context = gx.get_context(mode="file", project_root_dir=str(settings.data_dir / "gx"))
    return context


def load_suite(context: Any, name: str) -> Any:
    """Load `quality/suites/<name>.json` into the context, replacing any older copy."""
    from great_expectations.core.expectation_suite import ExpectationSuite

    spec = json.loads((SUITES_DIR / f"{name}.json").read_text())
    spec["name"] = name
    return context.suites.add_or_update(ExpectationSuite(**spec))


def run_gate(settings: Settings, gate: str, day: date) -> GateResult:
    """Validate every dataset of `gate` for `day`, rebuild and upload Data Docs, raise if any expectation failed."""
    gates = load_gates()
    if gate not in gates:
        raise KeyError(f"unknown quality gate {gate!r}; {GATES_FILE} defines {', '.join(gates)}")

    context = get_context(settings)
    result = GateResult(gate=gate, logical_date=day.isoformat(), success=True)
    run_time = datetime.now(UTC)
    for dataset in gates[gate]:
        outcome = validate_dataset(context, settings, gate, dataset, day, run_time)
        result.datasets[dataset.name] = outcome
        result.evaluated += outcome["evaluated"]
        result.failed.extend(f"{dataset.name}: {failure}" for failure in outcome["failed"])
    result.success = not result.failed

    context.build_data_docs(site_names=[DATA_DOCS_SITE])
    upload_data_docs(settings)
    write_gate_report(settings, result)
    if not result.success:
        raise QualityGateError(gate, day.isoformat(), result.failed, str(data_docs_index(settings)))
    return result


def validate_dataset(context: Any, settings: Settings, gate: str, dataset: Dataset, day: date,
                     run_time: datetime) -> dict[str, Any]:
    """Run one suite against one dataset's batch for `day`; return counts and the failed expectations."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    suite = load_suite(context, dataset.suite)
    parameters = day_parameters(day)
    batch_definition, batch_parameters, extra = batch_for(context, settings, dataset, day)
    parameters.update(extra)

    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=f"{gate}.{dataset.name}", data=batch_definition, suite=suite))
    run_id = RunIdentifier(run_name=f"{gate}-{day.isoformat()}", run_time=run_time)
    validation = definition.run(batch_parameters=batch_parameters, expectation_parameters=parameters,
                                result_format="SUMMARY", run_id=run_id)
    failed = [describe(item) for item in validation.results if not item.success]
    log.info("quality %s.%s for %s: %d expectations, %d failed", gate, dataset.name, day,
             len(validation.results), len(failed))
    return {"evaluated": len(validation.results), "failed": failed, "parameters": parameters}


def batch_for(context: Any, settings: Settings, dataset: Dataset, day: date) -> tuple[Any, dict[str, Any], dict]:
    """Return the batch definition, batch parameters and extra suite parameters of one dataset."""
    if dataset.loader == "s3_objects":
        frame, extra = load_s3_objects(settings, day, dataset.options)
        source = context.data_sources.add_or_update_pandas(name="staging")
        asset = _replace_asset(source, dataset.name, lambda: source.add_dataframe_asset(name=dataset.name))
        return asset.add_batch_definition_whole_dataframe("whole"), {"dataframe": frame}, extra

    if dataset.loader == "warehouse":
        source = context.data_sources.add_or_update_postgres(name="warehouse", connection_string=warehouse_url(settings))
        query = warehouse_query(day, dataset.options)
        asset = _replace_asset(source, dataset.name, lambda: source.add_query_asset(name=dataset.name, query=query))
        return asset.add_batch_definition_whole_table("whole"), {}, warehouse_parameters(settings, day, dataset.options)

    raise ValueError(f"unknown loader {dataset.loader!r} for dataset {dataset.name} in {GATES_FILE}: "
                     "expected s3_objects or warehouse")


def _replace_asset(source: Any, name: str, add: Any) -> Any:
    # Assets carry the day's query, so each run replaces the previous one.
    if name in {asset.name for asset in source.assets}:
        source.delete_asset(name)
    return add()


def describe(result: Any) -> str:
    """Return `expectation(column): observed` for a failed expectation."""
    config = result.expectation_config
    column = config.kwargs.get("column") or ",".join(config.kwargs.get("column_list", []) or [])
    observed = (result.result or {}).get("observed_value", (result.result or {}).get("unexpected_count"))
    error = (result.exception_info or {}).get("exception_message")
    target = f"{config.type}({column})" if column else config.type
    return f"{target}: {error}" if error else f"{target}: observed {observed}"


def upload_data_docs(settings: Settings) -> int:
    """Copy the local Data Docs site to `s3://<curated>/_data_docs/`; return the number of files."""
    from shoplake import aws

    root = data_docs_dir(settings)
    s3 = aws.client("s3", settings)
    count = 0
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        key = DATA_DOCS_PREFIX + path.relative_to(root).as_posix()
        s3.put_object(Bucket=settings.buckets.curated, Key=key, Body=path.read_bytes(), ContentType=content_type)
        count += 1
    return count


def publish_data_docs(settings: Settings) -> dict[str, Any]:
    """Rebuild Data Docs from every stored validation result and upload them."""
    context = get_context(settings)
    context.build_data_docs(site_names=[DATA_DOCS_SITE])
    files = upload_data_docs(settings)
    return {"index": str(data_docs_index(settings)), "s3": data_docs_s3_url(settings), "files": files}


def gate_report_file(settings: Settings, gate: str, day: date | str) -> Path:
    text = day if isinstance(day, str) else day.isoformat()
    return settings.data_dir / "pipeline" / "quality" / f"{gate}-{text}.json"


def write_gate_report(settings: Settings, result: GateResult) -> None:
    path = gate_report_file(settings, result.gate, result.logical_date)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.__dict__, indent=2, default=str))
