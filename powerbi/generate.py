"""Generate the PBIP project (TMDL model and PBIR report) from the measure and report definitions.

Run `python -m powerbi.generate` after changing powerbi/measures.py,
powerbi/model.py or powerbi/report_spec.py, and commit the result; a unit test
fails when the committed files differ from what this writes.
`--traffic-mode directQuery` writes the DirectQuery variant for the
network-traffic fact (its dimensions become dual).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from powerbi import model, pbir, tmdl

POWERBI_DIR = Path(__file__).resolve().parent
GENERATED_FOLDERS = (pbir.REPORT_FOLDER, pbir.MODEL_FOLDER)
PBIP_FILE = f"{pbir.PROJECT_NAME}.pbip"

logger = logging.getLogger(__name__)


def project_files(traffic_mode: str = "import") -> dict[str, str]:
    """Return every generated file's text, keyed by its path relative to powerbi/."""
    files = {PBIP_FILE: pbir.to_json(pbir.pbip_file())}

    report = pbir.REPORT_FOLDER
    files[f"{report}/.platform"] = pbir.to_json(pbir.platform_file("Report"))
    for path, document in pbir.report_files().items():
        files[f"{report}/{path}"] = pbir.to_json(document)

    semantic_model = pbir.MODEL_FOLDER
    files[f"{semantic_model}/.platform"] = pbir.to_json(pbir.platform_file("SemanticModel"))
    files[f"{semantic_model}/definition.pbism"] = pbir.to_json(pbir.pbism_file())
    definition = f"{semantic_model}/definition"
    files[f"{definition}/database.tmdl"] = tmdl.database_tmdl()
    files[f"{definition}/model.tmdl"] = tmdl.model_tmdl()
    files[f"{definition}/expressions.tmdl"] = tmdl.expressions_tmdl()
    files[f"{definition}/relationships.tmdl"] = tmdl.relationships_tmdl()
    for table in model.TABLES:
        files[f"{definition}/tables/{table.name}.tmdl"] = tmdl.table_tmdl(table, traffic_mode)
    return files


def write_project(root: Path, traffic_mode: str = "import") -> list[Path]:
    """Write the project under `root` and delete stale files in its generated folders; return the written paths."""
    files = project_files(traffic_mode)
    expected = {root / relative for relative in files}
    for folder in GENERATED_FOLDERS:
        for existing in sorted((root / folder).rglob("*")):
            if existing.is_file() and existing not in expected and ".pbi" not in existing.parts:
                logger.info("deleting stale generated file %s", existing)
                existing.unlink()

    written = []
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate the shoplake PBIP project from its definitions.")
    parser.add_argument("--out", type=Path, default=POWERBI_DIR, help="folder to write the project into (default: powerbi/)")
    parser.add_argument("--traffic-mode", choices=tmdl.STORAGE_MODES, default="import",
                        help="storage mode of fact_network_traffic (default: import)")
    arguments = parser.parse_args(argv)
    written = write_project(arguments.out, arguments.traffic_mode)
    print(f"wrote {len(written)} files under {arguments.out}")


if __name__ == "__main__":
    main()
