"""Check the PBIP project: JSON schemas, and the links between its files.

Every JSON file (`*.json`, `.pbip`, `.pbir`, `.pbism`, `.platform`) is validated
against the Microsoft schema its `$schema` URL names, read from the copies in
powerbi/schemas/fabric (MIT licence, see the LICENSE file there). The
cross-file checks read the TMDL model with powerbi.tmdl_reader and verify that
every field a visual uses, every relationship column and every page and
report reference exists. Each problem names the file and the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource

from powerbi import pbir
from powerbi.tmdl_reader import SemanticModel, TmdlSyntaxError, read_model

POWERBI_DIR = Path(__file__).resolve().parent
SCHEMA_DIR = POWERBI_DIR / "schemas" / "fabric"
JSON_SUFFIXES = (".json", ".pbip", ".pbir", ".pbism", ".platform")
_DAX_REFERENCE = re.compile(r"(?<![\w'\]])\[([^\]]+)\]")
_CREDENTIAL_WORDS = re.compile(r"password|pwd=|secret|accesskey|aws_secret", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    """One failed check: the file (relative to the project root) and what is wrong."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ProjectValidationError(ValueError):
    """The PBIP project failed one or more checks; the message lists each file and field."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        listing = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{len(problems)} problem(s) in the Power BI project:\n{listing}")


def schema_registry(schema_dir: Path = SCHEMA_DIR) -> Registry:
    """Return a registry that resolves Microsoft schema URLs to the vendored files, never to the network."""

    def retrieve(uri: str) -> Resource:
        if not uri.startswith(pbir.SCHEMA_BASE + "/"):
            raise NoSuchResource(ref=uri)  # type: ignore[call-arg]
        path = schema_dir / uri[len(pbir.SCHEMA_BASE) + 1:]
        if not path.is_file():
            raise NoSuchResource(ref=uri)  # type: ignore[call-arg]
        return Resource.from_contents(json.loads(path.read_text(encoding="utf-8")))

    return Registry(retrieve=retrieve)  # type: ignore[call-arg]


def json_files(root: Path) -> list[Path]:
    """Return the project's JSON files under `root` (the .pbip and the report and model folders)."""
    found = [root / f"{pbir.PROJECT_NAME}.pbip"]
    for folder in (pbir.REPORT_FOLDER, pbir.MODEL_FOLDER):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and path.name.endswith(JSON_SUFFIXES) and ".pbi" not in path.parts:
                found.append(path)
    return found


def check_schemas(root: Path, schema_dir: Path = SCHEMA_DIR) -> list[Problem]:
    """Validate every JSON file of the project against the schema its `$schema` names."""
    registry = schema_registry(schema_dir)
    problems = []
    for path in json_files(root):
        relative = path.relative_to(root).as_posix()
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            problems.append(Problem(relative, f"not readable as JSON: {exc}"))
            continue
        problems += _check_one_schema(relative, document, registry)
    return problems


def _check_one_schema(relative: str, document: Any, registry: Registry) -> list[Problem]:
    url = document.get("$schema") if isinstance(document, dict) else None
    if not isinstance(url, str):
        return [Problem(relative, "missing $schema")]
    try:
        schema = registry.get_or_retrieve(url).value.contents
    except NoSuchResource:
        return [Problem(relative, f"$schema {url} has no vendored copy under powerbi/schemas/fabric")]
    validator = Draft7Validator(schema, registry=registry)
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        location = "/".join(str(part) for part in error.absolute_path) or "(root)"
        problems.append(Problem(relative, f"schema violation at {location}: {error.message[:300]}"))
    return problems


def check_cross_references(root: Path) -> list[Problem]:
    """Check the links between files: model fields, relationships, pages, visuals and dataset references."""
    definition = root / pbir.MODEL_FOLDER / "definition"
    try:
        semantic_model = read_model(definition)
    except TmdlSyntaxError as exc:
        return [Problem(pbir.MODEL_FOLDER, f"TMDL not readable: {exc}")]

    problems = _check_model(semantic_model)
    problems += _check_report_links(root)
    for path in sorted((root / pbir.REPORT_FOLDER / "definition" / "pages").glob("*/visuals/*/visual.json")):
        problems += _check_visual(root, path, semantic_model)
    return problems


def check_project(root: Path = POWERBI_DIR) -> None:
    """Run every check and raise ProjectValidationError listing all problems found."""
    problems = check_schemas(root) + check_cross_references(root)
    if problems:
        raise ProjectValidationError(problems)


def _check_model(semantic_model: SemanticModel) -> list[Problem]:
    where = f"{pbir.MODEL_FOLDER}/definition"
    problems = []
    for name in semantic_model.table_refs:
        if name not in semantic_model.tables:
            problems.append(Problem(f"{where}/model.tmdl", f"ref table {name} has no tables/{name}.tmdl"))
    for relationship in semantic_model.relationships:
        problems += _check_relationship(f"{where}/relationships.tmdl", relationship.properties, semantic_model)
    problems += _check_date_table(f"{where}/tables", semantic_model)

    all_measures = semantic_model.all_measures()
    for table_name, table in semantic_model.tables.items():
        path = f"{where}/tables/{table_name}.tmdl"
        for measure_name, expression in semantic_model.measures(table_name).items():
            for reference in _DAX_REFERENCE.findall(expression):
                if reference not in all_measures:
                    problems.append(Problem(path, f"measure {measure_name!r} uses [{reference}], which is no measure"))
        for partition in table.children_of("partition"):
            source = partition.properties.get("source", "")
            if "AmazonRedshift.Database(Server, Database)" not in source:
                problems.append(Problem(path, f"partition {partition.name} does not read AmazonRedshift.Database(Server, Database)"))
            if _CREDENTIAL_WORDS.search(source):
                problems.append(Problem(path, f"partition {partition.name} looks like it contains a credential"))
    for parameter in ("Server", "Database"):
        if parameter not in semantic_model.expressions:
            problems.append(Problem(f"{where}/expressions.tmdl", f"parameter expression {parameter} is missing"))
    return problems


def _check_relationship(path: str, properties: dict[str, str], semantic_model: SemanticModel) -> list[Problem]:
    problems = []
    for end in ("fromColumn", "toColumn"):
        table, _, column = properties.get(end, "").partition(".")
        if table not in semantic_model.tables or column not in semantic_model.columns(table):
            problems.append(Problem(path, f"relationship {end} {table}.{column} not found in the model"))
    if properties.get("crossFilteringBehavior", "oneDirection") != "oneDirection":
        problems.append(Problem(path, f"relationship {properties.get('fromColumn')} is not single-direction"))
    if properties.get("fromCardinality", "many") != "many" or properties.get("toCardinality", "one") != "one":
        problems.append(Problem(path, f"relationship {properties.get('fromColumn')} is not many-to-one"))
    return problems


def _check_date_table(path: str, semantic_model: SemanticModel) -> list[Problem]:
    date_tables = [t for t in semantic_model.tables.values() if t.properties.get("dataCategory") == "Time"]
    if len(date_tables) != 1:
        return [Problem(path, f"expected one table marked as the date table, found {len(date_tables)}")]
    keys = [c for c in date_tables[0].children_of("column") if "isKey" in c.flags]
    if len(keys) != 1 or keys[0].properties.get("dataType") != "dateTime":
        return [Problem(f"{path}/{date_tables[0].name}.tmdl", "the date table needs exactly one dateTime key column")]
    return []


def _check_report_links(root: Path) -> list[Problem]:
    problems = []
    pbip = json.loads((root / f"{pbir.PROJECT_NAME}.pbip").read_text(encoding="utf-8"))
    for artifact in pbip.get("artifacts", []):
        target = artifact.get("report", {}).get("path", "")
        if not (root / target / "definition.pbir").is_file():
            problems.append(Problem(f"{pbir.PROJECT_NAME}.pbip", f"report path {target} has no definition.pbir"))

    report = root / pbir.REPORT_FOLDER
    definition_pbir = json.loads((report / "definition.pbir").read_text(encoding="utf-8"))
    model_path = definition_pbir.get("datasetReference", {}).get("byPath", {}).get("path", "")
    if not (report / model_path / "definition.pbism").is_file():
        problems.append(Problem(f"{pbir.REPORT_FOLDER}/definition.pbir", f"byPath {model_path} has no definition.pbism"))

    pages_dir = report / "definition" / "pages"
    pages_json = json.loads((pages_dir / "pages.json").read_text(encoding="utf-8"))
    folders = sorted(path.name for path in pages_dir.iterdir() if path.is_dir())
    if sorted(pages_json.get("pageOrder", [])) != folders:
        problems.append(Problem(f"{pbir.REPORT_FOLDER}/definition/pages/pages.json",
                                f"pageOrder {pages_json.get('pageOrder')} does not match the page folders {folders}"))
    for folder in folders:
        page = json.loads((pages_dir / folder / "page.json").read_text(encoding="utf-8"))
        if page.get("name") != folder:
            problems.append(Problem(f"{pbir.REPORT_FOLDER}/definition/pages/{folder}/page.json",
                                    f"name {page.get('name')!r} differs from its folder {folder!r}"))
    return problems


def _check_visual(root: Path, path: Path, semantic_model: SemanticModel) -> list[Problem]:
    relative = path.relative_to(root).as_posix()
    document = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    if document.get("name") != path.parent.name:
        problems.append(Problem(relative, f"name {document.get('name')!r} differs from its folder {path.parent.name!r}"))
    all_measures = semantic_model.all_measures()
    for kind, entity, prop in _field_references(document):
        if entity not in semantic_model.tables:
            problems.append(Problem(relative, f"field {entity}.{prop} uses table {entity}, which is not in the model"))
        elif kind == "Column" and prop not in semantic_model.columns(entity):
            problems.append(Problem(relative, f"field {entity}.{prop} is not a column of {entity} in the model"))
        elif kind == "Measure" and all_measures.get(prop) != entity:
            problems.append(Problem(relative, f"field {entity}.{prop} is not a measure of {entity} in the model"))
    return problems


def _field_references(node: Any, aliases: dict[str, str] | None = None) -> Iterator[tuple[str, str, str]]:
    """Yield (Column or Measure, table, name) for every model field in a PBIR document, resolving query aliases."""
    aliases = dict(aliases or {})
    if isinstance(node, dict):
        for source in node.get("From", []) if isinstance(node.get("From"), list) else []:
            if isinstance(source, dict) and "Entity" in source:
                aliases[source["Name"]] = source["Entity"]
        for kind in ("Column", "Measure"):
            reference = node.get(kind)
            if isinstance(reference, dict) and "Property" in reference:
                source_ref = reference.get("Expression", {}).get("SourceRef", {})
                entity = source_ref.get("Entity") or aliases.get(source_ref.get("Source", ""), "?")
                yield kind, entity, reference["Property"]
        for value in node.values():
            yield from _field_references(value, aliases)
    elif isinstance(node, list):
        for item in node:
            yield from _field_references(item, aliases)
