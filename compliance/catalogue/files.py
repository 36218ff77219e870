"""Where rule files are, without reading them: light enough for every command's start-up (no pydantic)."""

from __future__ import annotations

from pathlib import Path


def _bundled_rules() -> Path:
    """compliance/bundled_rules/: in an installed wheel the rules themselves; in a source checkout or
    editable install a symlink, resolved so that paths read rules/... (rules/ itself if the link is absent)."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "bundled_rules"
    return installed.resolve() if installed.is_dir() else package.parent / "rules"


BUNDLED_RULES = _bundled_rules()


AREA_FOLDER = "area"  # area rules (catalogue/area_schema.py) live in their own folder of a catalogue


def area_rule_files(folder: Path) -> list[Path]:
    """Area rules: the YAML files of the folder's area folder."""
    area = folder / AREA_FOLDER
    return sorted(p for p in area.glob("*.y*ml") if p.is_file()) if area.is_dir() else []


def rule_files(folder: Path) -> list[Path]:
    """Organisation rules: every YAML file under the folder except those of its area folder."""
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
                  and p.relative_to(folder).parts[0] != AREA_FOLDER)
