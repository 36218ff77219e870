"""Loading a catalogue: the bundled rules, then local folders (a later folder overrides an id), each
file read once, validated (or read from the cache) with its line map, and the set checked for
broken prerequisites once."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from compliance.intake.documents import Document, decode_text, parse_document, read_bytes
from compliance.domain.errors import Problem, RuleError
from compliance.catalogue import cache
from compliance.catalogue.files import AREA_FOLDER, BUNDLED_RULES, area_rule_files, rule_files
from compliance.catalogue.language import FromFile
from compliance.catalogue.schema import Rule
from compliance.domain.result import RuleOverride

__all__ = ["AREA_FOLDER", "BUNDLED_RULES", "RuleSet", "area_rule_files", "load_rule_file", "load_rules", "rule_files"]

MAX_RULE_BYTES = 256 * 1024


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
        # Set when the rules are exactly what files say (load_rules): a key for what is built from them,
        # and the bytes each rule was loaded from.
        self.content_key = content_key
        self.contents: dict[str, bytes] = {}

    @property
    def version(self) -> str:
        return self.digest[:12]


def load_area_rules(folders: list[Path] | None = None) -> list:
    """Area rules of the folders (default: the bundled catalogue); a later folder overrides an id."""
    by_id = {}
    for folder in folders or [BUNDLED_RULES]:
        for path in area_rule_files(folder):
            rule = load_area_rule_file(path)
            by_id[rule.id] = rule
    return [by_id[k] for k in sorted(by_id)]


def load_area_rule_file(path: Path):  # -> AreaRule (imported lazily: area rules are rarely needed)
    """One area rule file, validated, with its line map, whose file name is its id."""
    from compliance.catalogue.area_schema import AreaRule
    from compliance.catalogue.explain import area_name_problems, explain

    def problems(e: ValidationError, doc: Document) -> list[Problem]:
        found = explain(AreaRule, e, doc)
        names = area_name_problems(doc.data, doc)
        if names:  # each name at its place, with suggestions, rather than the model's one list at the top
            found = [p for p in found if "neither item fields nor parameters" not in p.message] + names
        return found

    rule = _validated(path, read_bytes(path, RuleError, MAX_RULE_BYTES), AreaRule, problems)
    if path.stem != rule.id:
        raise RuleError(str(path), [_misnamed(rule)])
    return rule


class InvalidRule(RuleError):
    """A rule file that parsed but is not a valid rule; it keeps the parsed document, so checks that
    still apply to its valid parts (lint's path checks) run on the one reading of the file."""

    def __init__(self, file: str, problems: list[Problem], document: Document):
        super().__init__(file, problems)
        self.document = document


M = TypeVar("M", bound=FromFile)


def _validated(path: Path, raw: bytes, model: type[M],
               problems: Callable[[ValidationError, Document], list[Problem]]) -> M:
    """The model a rule file holds, with the line map of its one parse.

    Parsing YAML costs ~10 ms a file, which across a catalogue would dominate the start-up of every
    command, so a validated rule is cached under the hash of its bytes: a changed file has a new
    hash, and the cache is only ever a copy of what the file says.
    """
    name = cache.key(model.__name__, raw)
    rule = cache.get(name)
    if isinstance(rule, model):
        return rule
    doc = parse_document(path, decode_text(path, raw, RuleError), RuleError)
    try:
        rule = model.model_validate(doc.data).located(doc.lines)
    except ValidationError as e:
        raise InvalidRule(str(path), problems(e, doc), doc) from None
    cache.put(name, rule)
    return rule


def _misnamed(rule: FromFile) -> Problem:
    return Problem(f"the file name must be the rule id ('{getattr(rule, 'id', '')}.yaml')", "id",
                   *rule.lines.position(("id",)), code="file-name")


def load_rule_file(path: Path, folder: Path | None = None, raw: bytes | None = None) -> Rule:
    """One rule file (whose bytes the caller may have read already), validated, with its line map."""
    from compliance.catalogue.explain import rule_problems

    raw = read_bytes(path, RuleError, MAX_RULE_BYTES) if raw is None else raw
    rule = _validated(path, raw, Rule, lambda e, doc: rule_problems(Rule, e, doc))
    problems = [_misnamed(rule)] if path.stem != rule.id else []
    if folder is not None and path.parent != folder and path.parent.name != rule.area:
        problems.append(Problem(f"a rule in folder '{path.parent.name}' must have area '{path.parent.name}'", "area",
                                *rule.lines.position(("area",)), code="file-name"))
    if problems:
        raise RuleError(str(path), problems)
    return rule


def load_rules(folders: list[Path] | None = None) -> RuleSet:
    """Load every rule file under the folders (default: the bundled catalogue), each read once."""
    folders = folders or [BUNDLED_RULES]
    by_id: dict[str, Rule] = {}
    files: dict[str, Path] = {}
    contents: dict[str, bytes] = {}
    overrides: dict[str, RuleOverride] = {}
    for folder in folders:
        if not folder.is_dir():
            raise RuleError(str(folder), [Problem("not a folder of rule files")])
        seen_here: dict[str, Path] = {}
        for path in rule_files(folder):
            raw = read_bytes(path, RuleError, MAX_RULE_BYTES)
            rule = load_rule_file(path, folder, raw)
            if rule.id in seen_here:
                raise RuleError(str(path), [Problem(f"rule id {rule.id} is already defined in {seen_here[rule.id]}", "id")])
            seen_here[rule.id] = path
            if rule.id in files:
                overrides[rule.id] = RuleOverride(rule_id=rule.id, file=str(path), replaces=str(files[rule.id]),
                                                  bundled=files[rule.id].resolve().is_relative_to(BUNDLED_RULES))
            by_id[rule.id] = rule
            files[rule.id] = path
            contents[rule.id] = raw
    if not by_id:
        raise RuleError(", ".join(map(str, folders)), [Problem("no rule files (*.yaml) found")])
    digest = _digest(contents)
    ruleset = RuleSet(list(by_id.values()), files, digest, [overrides[k] for k in sorted(overrides)],
                      content_key=cache.key("catalogue", digest, *(f"{rid}={files[rid]}" for rid in sorted(files))))
    ruleset.contents = contents
    return ruleset


def _digest(contents: dict[str, bytes]) -> str:
    """The rules' sha256: each id and its file's bytes (as loaded), in id order."""
    digest = hashlib.sha256()
    for rid in sorted(contents):
        digest.update(rid.encode())
        digest.update(contents[rid])
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
    contents: dict[str, bytes] = {}
    for p in paths:
        for f in rule_files(p) if p.is_dir() else [p]:
            raw = read_bytes(f, RuleError, MAX_RULE_BYTES)
            rule = load_rule_file(f, raw=raw)
            contents[rule.id] = raw
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
    digest = _digest({rid: contents.get(rid) or bundled.contents[rid] for rid in needed})
    return RuleSet(list(needed.values()), all_files, digest, overrides), sorted(local)
