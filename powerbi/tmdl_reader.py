"""Read the subset of TMDL that powerbi/tmdl.py writes, to check the model from its files.

Covered: tab indentation, `///` descriptions, objects (`table`, `column`,
`measure`, `partition`, `relationship`, `expression`, `model`, `database`,
`ref`), `key: value` properties, bare flag properties (`isHidden`), `annotation`
lines, single-quoted names and multi-line expressions (a declaration ending in
`=` followed by lines indented two levels deeper). Anything else raises
TmdlSyntaxError with the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_OBJECT_KEYWORDS = ("table", "column", "measure", "partition", "relationship", "expression", "model", "database")
_PROPERTY = re.compile(r"^([A-Za-z][A-Za-z0-9]*):\s*(.*)$")
_FLAG = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


class TmdlSyntaxError(ValueError):
    """A TMDL line is outside the subset this reader understands."""


@dataclass
class TmdlObject:
    """One TMDL object with its properties, flags, annotations and child objects."""

    kind: str
    name: str
    expression: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    annotations: dict[str, str] = field(default_factory=dict)
    children: list[TmdlObject] = field(default_factory=list)
    description: str | None = None

    def children_of(self, kind: str) -> list[TmdlObject]:
        return [child for child in self.children if child.kind == kind]


@dataclass
class SemanticModel:
    """The tables, relationships, expressions and model-level references read from a TMDL folder."""

    tables: dict[str, TmdlObject]
    relationships: list[TmdlObject]
    expressions: dict[str, TmdlObject]
    table_refs: list[str]
    compatibility_level: int | None

    def columns(self, table: str) -> set[str]:
        return {column.name for column in self.tables[table].children_of("column")}

    def measures(self, table: str) -> dict[str, str]:
        return {m.name: m.expression or "" for m in self.tables[table].children_of("measure")}

    def all_measures(self) -> dict[str, str]:
        return {name: table for table in self.tables for name in self.measures(table)}


def parse_name(text: str) -> tuple[str, str]:
    """Split a leading TMDL name (bare or single-quoted) from the rest of `text`."""
    text = text.strip()
    if text.startswith("'"):
        index, name = 1, []
        while index < len(text):
            if text[index] == "'":
                if text[index + 1:index + 2] == "'":
                    name.append("'")
                    index += 2
                    continue
                return "".join(name), text[index + 1:].strip()
            name.append(text[index])
            index += 1
        raise TmdlSyntaxError(f"unterminated quoted name in {text!r}")
    match = re.match(r"^([^\s=.:]+)(.*)$", text)
    if not match:
        raise TmdlSyntaxError(f"missing name in {text!r}")
    return match.group(1), match.group(2).strip()


_Entry = tuple[str, str, "str | None", list]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip("\t"))


class _Parser:
    def __init__(self, text: str, source: str) -> None:
        self.lines = text.splitlines()
        self.source = source
        self.position = 0

    def error(self, message: str) -> TmdlSyntaxError:
        return TmdlSyntaxError(f"{self.source}:{self.position + 1}: {message}")

    def parse_block(self, indent: int) -> list[_Entry]:
        """Return (description, line text, multi-line expression, children) for each entry at `indent`."""
        entries: list[_Entry] = []
        description: list[str] = []
        while self.position < len(self.lines):
            line = self.lines[self.position]
            if not line.strip():
                self.position += 1
                continue
            current = _indent(line)
            if current < indent:
                break
            if current > indent:
                raise self.error(f"unexpected indentation {current} (expected {indent})")
            text = line.strip()
            self.position += 1
            if text.startswith("///"):
                description.append(text[3:].strip())
                continue
            expression = self._expression(indent) if text.endswith("=") else None
            children = self.parse_block(indent + 1)
            entries.append(("\n".join(description), text, expression, children))
            description = []
        return entries

    def _expression(self, indent: int) -> str:
        lines = []
        while self.position < len(self.lines):
            line = self.lines[self.position]
            if line.strip() and _indent(line) < indent + 2:
                break
            lines.append(line[indent + 2:] if line.strip() else "")
            self.position += 1
        while lines and not lines[-1]:
            lines.pop()
        if not lines:
            raise self.error("a declaration ending in '=' has no expression lines")
        return "\n".join(lines)


def _build(entry: _Entry, source: str) -> TmdlObject | tuple[str, str, str]:
    description, text, expression, children = entry
    keyword, _, rest = text.partition(" ")
    if keyword in _OBJECT_KEYWORDS:
        name, remainder = parse_name(rest) if rest else ("", "")
        if remainder.startswith("="):
            inline = remainder[1:].strip()
            expression = expression if expression is not None else inline
        obj = TmdlObject(keyword, name, expression=expression, description=description or None)
        for child in children:
            built = _build(child, source)
            if isinstance(built, TmdlObject):
                obj.children.append(built)
            else:
                _apply(obj, built, source)
        return obj
    if keyword == "annotation":
        key, _, value = rest.partition("=")
        return ("annotation", key.strip(), value.strip())
    if keyword == "ref":
        kind, _, name = rest.partition(" ")
        return ("ref", kind, parse_name(name)[0])
    match = _PROPERTY.match(text)
    if match:
        value = expression if expression is not None else match.group(2)
        if children:
            raise TmdlSyntaxError(f"{source}: property {match.group(1)!r} cannot have child lines")
        return ("property", match.group(1), value)
    if text.endswith("=") and expression is not None:
        return ("property", text[:-1].strip(), expression)
    if _FLAG.match(text):
        return ("flag", text, "")
    raise TmdlSyntaxError(f"{source}: line {text!r} is outside the TMDL subset this reader supports")


def _apply(obj: TmdlObject, item: tuple[str, str, str], source: str) -> None:
    kind, key, value = item
    if kind == "property":
        obj.properties[key] = value
    elif kind == "flag":
        obj.flags.add(key)
    elif kind == "annotation":
        obj.annotations[key] = value
    else:
        raise TmdlSyntaxError(f"{source}: {kind} {key!r} is not allowed inside {obj.kind} {obj.name!r}")


def parse_document(text: str, source: str = "<tmdl>") -> list[TmdlObject | tuple[str, str, str]]:
    """Parse one TMDL file into its top-level objects and top-level annotation or ref entries."""
    parser = _Parser(text, source)
    entries = parser.parse_block(0)
    return [_build(entry, source) for entry in entries]


def read_model(definition_dir: Path) -> SemanticModel:
    """Read a TMDL `definition/` folder: database, model, expressions, relationships and tables/*.tmdl."""
    tables: dict[str, TmdlObject] = {}
    relationships: list[TmdlObject] = []
    expressions: dict[str, TmdlObject] = {}
    table_refs: list[str] = []
    compatibility_level = None

    paths = sorted(definition_dir.glob("*.tmdl")) + sorted((definition_dir / "tables").glob("*.tmdl"))
    for path in paths:
        for item in parse_document(path.read_text(encoding="utf-8"), str(path)):
            if isinstance(item, tuple):
                if item[0] == "ref" and item[1] == "table":
                    table_refs.append(item[2])
                continue
            if item.kind == "table":
                tables[item.name] = item
            elif item.kind == "relationship":
                relationships.append(item)
            elif item.kind == "expression":
                expressions[item.name] = item
            elif item.kind == "database":
                level = item.properties.get("compatibilityLevel")
                compatibility_level = int(level) if level else None
            elif item.kind == "model":
                table_refs += [child.name for child in item.children if child.kind == "ref"]
    return SemanticModel(tables, relationships, expressions, table_refs, compatibility_level)
