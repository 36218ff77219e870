"""Loading a catalogue: the bundled rules, then local folders (a later folder overrides an id), each
file validated (or read from the cache) and the set checked for broken prerequisites once."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import ValidationError

from compliance.intake.documents import read_document, read_text
from compliance.domain.errors import Problem, RuleError
from compliance.intake.validation import problems as validation_problems
from compliance.catalogue.cache import _cache_get, _cache_put, get_object, put_object
from compliance.catalogue.files import AREA_FOLDER, BUNDLED_RULES, rule_files
from compliance.catalogue.schema import Rule
from compliance.domain.result import RuleOverride

__all__ = ["AREA_FOLDER", "BUNDLED_RULES", "RuleSet", "load_rule_file", "load_rules", "rule_files"]


# --- loading a catalogue ----------------------------------------------------------------------------


class RuleSet:
    """The rules in force: bundled rules, then any local folders, a later folder overriding an id."""

    def __init__(self, rules: list[Rule], files: dict[str, Path], digest: str,
                 overrides: list[RuleOverride] | None = None, content_key: str | None = None):
        """Every rule set is checked for unknown prerequisites and cycles here, once, so nothing
        downstream (compiler, evaluator) meets a broken dependency."""
        from compliance.catalogue.dependencies import dependency_errors

        broken = dependency_errors(rules, files)
        if broken:
            path = broken[0][0]
            raise RuleError(str(path), [p for f, p in broken if f == path])
        self.rules = sorted(rules, key=lambda r: r.id)
        self.by_id = {r.id: r for r in self.rules}
        self.files = files
        self.digest = digest
        self.overrides = overrides or []
        # Set when the rules are exactly what files say (load_rules): a key for what is compiled from them.
        self.content_key = content_key

    @property
    def version(self) -> str:
        return self.digest[:12]


def area_rule_files(folder: Path) -> list[Path]:
    area = folder / AREA_FOLDER
    return sorted(p for p in area.glob("*.y*ml") if p.is_file()) if area.is_dir() else []


def load_area_rules(folders: list[Path] | None = None) -> list:
    """Area rules of the folders (default: the bundled catalogue); a later folder overrides an id."""
    by_id = {}
    for folder in folders or [BUNDLED_RULES]:
        for path in area_rule_files(folder):
            rule = load_area_rule_file(path)
            by_id[rule.id] = rule
    return [by_id[k] for k in sorted(by_id)]


def load_area_rule_file(path: Path):  # -> AreaRule (imported lazily: area rules are rarely needed)
    """One area rule file, validated, whose file name is its id."""
    from compliance.catalogue.area_schema import AreaRule
    from compliance.intake.validation import validate

    doc = read_document(path, RuleError, max_bytes=256 * 1024)
    rule = validate(AreaRule, doc, RuleError)
    if path.stem != rule.id:
        raise RuleError(str(path), [Problem(f"the file name must be the rule id ('{rule.id}.yaml')", "id",
                                            doc.line_of(("id",)))])
    return rule


def load_rule_file(path: Path, folder: Path | None = None) -> Rule:
    """Parse and validate one rule file.

    Parsing YAML with line numbers costs ~10 ms a file, which across a catalogue would dominate the
    start-up of every command, so validated rules are cached under the hash of their bytes. A
    changed file has a new hash; the cache is only ever a copy of what the file says.
    """
    from compliance import __version__

    raw = read_text(path, RuleError, max_bytes=256 * 1024)
    key = hashlib.sha256(f"{__version__}\0{raw}".encode()).hexdigest()
    rule = None
    cached = _cache_get(key)
    if cached is not None:
        try:
            rule = Rule.model_validate_json(cached)
        except ValidationError:
            rule = None  # a damaged cache entry is a miss
    doc = None
    if rule is None:
        doc = read_document(path, RuleError, max_bytes=256 * 1024)
        try:
            rule = Rule.model_validate(doc.data)
        except ValidationError as e:
            raise RuleError(str(path), validation_problems(Rule, e, doc)) from None
        _cache_put(key, rule.model_dump_json(by_alias=True, exclude_unset=True))
    problems = []
    if path.stem != rule.id:
        problems.append(Problem(f"the file name must be the rule id ('{rule.id}.yaml')", "id"))
    if folder is not None and path.parent != folder and path.parent.name != rule.area:
        problems.append(Problem(f"a rule in folder '{path.parent.name}' must have area '{path.parent.name}'", "area"))
    if problems:
        doc = doc or read_document(path, RuleError, max_bytes=256 * 1024)
        for p in problems:
            p.line = doc.line_of((p.path,))
        raise RuleError(str(path), problems)
    return rule


def load_rules(folders: list[Path] | None = None) -> RuleSet:
    """Load every rule file under the folders (default: the bundled catalogue).

    A catalogue loaded before is read back whole from the cache (see catalogue.cache.get_object)
    under a hash of every file's path and bytes and of the code that defines and loads rules, so it
    is only ever a copy of what the files say; anything else (a changed, added or removed file, an
    invalid one, a new version) is loaded and validated afresh.
    """
    folders = folders or [BUNDLED_RULES]
    key = _catalogue_key(folders)
    cached = get_object(key) if key else None
    if isinstance(cached, tuple) and len(cached) == 4:
        return RuleSet(*cached, content_key=key)
    ruleset = _load_rules(folders)
    if key:
        put_object(key, (ruleset.rules, ruleset.files, ruleset.digest, ruleset.overrides))
        ruleset.content_key = key
    return ruleset


def _catalogue_key(folders: list[Path]) -> str | None:
    """The cache key of the catalogue in these folders, or None when one of them is not a folder."""
    import pydantic

    from compliance import __version__
    from compliance.domain import base, outcomes, result

    h = hashlib.sha256(f"catalogue\0{__version__}\0{pydantic.VERSION}".encode())
    here = Path(__file__).parent  # the rule language (schema, operators, kinds), its loading and checks
    code = sorted(here.rglob("*.py")) + [Path(m.__file__ or "") for m in (outcomes, result, base)]
    for module in code:  # the models' layout, and the checks
        h.update(module.read_bytes())
    for folder in folders:
        if not folder.is_dir():
            return None
        for path in rule_files(folder):
            h.update(f"\0{folder}\0{path}\0".encode())
            try:
                h.update(path.read_bytes())
            except OSError:
                return None  # the full load names the file
    return "catalogue-" + h.hexdigest()


def _load_rules(folders: list[Path]) -> RuleSet:
    by_id: dict[str, Rule] = {}
    files: dict[str, Path] = {}
    overrides: dict[str, RuleOverride] = {}
    for folder in folders:
        if not folder.is_dir():
            raise RuleError(str(folder), [Problem("not a folder of rule files")])
        seen_here: dict[str, Path] = {}
        for path in rule_files(folder):
            rule = load_rule_file(path, folder)
            if rule.id in seen_here:
                raise RuleError(str(path), [Problem(f"rule id {rule.id} is already defined in {seen_here[rule.id]}", "id")])
            seen_here[rule.id] = path
            if rule.id in files:
                overrides[rule.id] = RuleOverride(rule_id=rule.id, file=str(path), replaces=str(files[rule.id]),
                                                  bundled=files[rule.id].resolve().is_relative_to(BUNDLED_RULES))
            by_id[rule.id] = rule
            files[rule.id] = path
    if not by_id:
        raise RuleError(", ".join(map(str, folders)), [Problem("no rule files (*.yaml) found")])
    return RuleSet(list(by_id.values()), files, _digest(files), [overrides[k] for k in sorted(overrides)])


def _digest(files: dict[str, Path]) -> str:
    """The rules' sha256: each id and its file's bytes, in id order."""
    digest = hashlib.sha256()
    for rid in sorted(files):
        digest.update(rid.encode())
        digest.update(files[rid].read_bytes())
    return digest.hexdigest()


def load_rule_paths(paths: list[Path]) -> tuple[RuleSet, list[str]]:
    """Rule files and folders as `rules test|show PATH...` take them: the rules they hold, plus the
    bundled rules those depend on (a local rule may depend on a bundled one), with every local rule
    that stands in for a bundled id recorded as an override.

    Returns the rule set and the ids of the rules the paths hold, which are the ones to test or show.
    """
    from compliance.catalogue.dependencies import with_prerequisites

    local: dict[str, Rule] = {}
    files: dict[str, Path] = {}
    for p in paths:
        for f in rule_files(p) if p.is_dir() else [p]:
            rule = load_rule_file(f)
            if rule.id in local:
                raise RuleError(str(f), [Problem(f"rule id {rule.id} is already defined in {files[rule.id]}", "id")])
            local[rule.id] = rule
            files[rule.id] = f
    if not local and not any(area_rule_files(p) for p in paths if p.is_dir()):
        raise RuleError(", ".join(map(str, paths)), [Problem("no rule files (*.yaml) found")])
    bundled = load_rules([BUNDLED_RULES])
    overrides = [RuleOverride(rule_id=rid, file=str(files[rid]), replaces=str(bundled.files[rid]), bundled=True)
                 for rid in sorted(local) if rid in bundled.by_id and files[rid].resolve() != bundled.files[rid].resolve()]
    available = {**bundled.by_id, **local}
    needed = {r.id: r for rule in local.values() for r in with_prerequisites(rule, available)}
    all_files = {rid: files.get(rid) or bundled.files[rid] for rid in needed}
    return RuleSet(list(needed.values()), all_files, _digest(all_files), overrides), sorted(local)
