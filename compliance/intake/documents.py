"""Reading YAML and JSON documents safely, with line numbers for error messages.

Why not just `yaml.safe_load`: we also need (a) the line of any field an error points at, (b) a
bound on alias expansion, since pydantic walks the expanded tree and a "billion laughs" document
would hang it, and (c) a refusal of every explicit tag, not only the dangerous ones. JSON takes the
fast path through the standard library (large cohorts are JSON) and is re-read as YAML, which it
is, only when an error needs a line number.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Iterable

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from compliance.domain.errors import InputError, Problem, UserError

MAX_BYTES = 2 * 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 40

Loc = tuple[str | int, ...]


def format_loc(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Document:
    """Parsed data plus the means to find the line of any location in it."""

    def __init__(self, path: Path, text: str, data: Any, tree: Any = None):
        self.path = path
        self.text = text
        self.data = data
        self._tree = tree

    def line_of(self, loc: Loc) -> int | None:
        """The 1-based line of the deepest part of `loc` present in the file."""
        if self._tree is None:
            try:
                self._tree = _yaml().load(self.text)
            except YAMLError:
                return None
        node, line = self._tree, None
        for part in loc:
            try:
                if isinstance(node, CommentedMap) and part in node:
                    line = node.lc.key(part)[0] + 1
                    node = node[part]
                elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                    line = node.lc.item(part)[0] + 1
                    node = node[part]
                else:
                    break
            except (AttributeError, KeyError, TypeError):
                break
        return line


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.allow_duplicate_keys = False
    return y


def read_text(path: Path, error: type[UserError] = InputError, max_bytes: int = MAX_BYTES) -> str:
    raw = read_bytes(path, error, max_bytes)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise error(str(path), [Problem(f"not UTF-8 text (byte {e.start})")]) from None


def read_bytes(path: Path, error: type[UserError] = InputError, max_bytes: int = MAX_BYTES) -> bytes:
    """The file's bytes, refusing anything larger than max_bytes before reading it."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise error(str(path), [Problem("not a regular file")])
        if size > max_bytes:
            raise error(str(path), [Problem(f"the file is {size:,} bytes; at most {max_bytes:,} are accepted")])
        return path.read_bytes()
    except FileNotFoundError:
        raise error(str(path), [Problem("no such file")]) from None
    except PermissionError:
        raise error(str(path), [Problem("permission denied")]) from None
    except IsADirectoryError:
        raise error(str(path), [Problem("is a directory, not a file")]) from None


def read_document(path: Path, error: type[UserError] = InputError, max_bytes: int = MAX_BYTES) -> Document:
    """Read one YAML or JSON document into plain Python data (dict, list, str, int, float, bool, date)."""
    text = read_text(path, error, max_bytes)
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
        except json.JSONDecodeError as e:
            raise error(str(path), [Problem(f"invalid JSON: {e.msg}", line=e.lineno)]) from None
        except ValueError as e:
            raise error(str(path), [Problem(str(e))]) from None
        _check_budget(path, data, error)
        return Document(path, text, data)
    try:
        tree = _yaml().load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        msg = " ".join(str(x) for x in (e.context, e.problem) if x)
        raise error(str(path), [Problem(f"invalid YAML: {msg}", line=mark.line + 1 if mark else None)]) from None
    except YAMLError as e:
        raise error(str(path), [Problem(f"invalid YAML: {e}")]) from None
    doc = Document(path, text, None, tree)
    doc.data = _plain(tree, doc, error, [0], ())
    return doc


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number this format accepts")


def _check_budget(path: Path, data: Any, error: type[UserError]) -> None:
    stack, seen = [(data, 0)], 0
    while stack:
        node, depth = stack.pop()
        seen += 1
        if seen > MAX_NODES or depth > MAX_DEPTH:
            raise error(str(path), [Problem(f"the document is larger or deeper than accepted ({MAX_NODES:,} values, depth {MAX_DEPTH})")])
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


_CORE_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
)


def _plain(node: Any, doc: Document, error: type[UserError], budget: list[int], loc: Loc) -> Any:
    """Copy the round-trip tree into plain data, refusing tags and bounding aliased expansion."""
    budget[0] += 1
    if budget[0] > MAX_NODES or len(loc) > MAX_DEPTH:
        raise error(
            str(doc.path),
            [Problem(f"the document expands to more than {MAX_NODES:,} values or deeper than {MAX_DEPTH} levels "
                     "(repeated anchors and aliases?)", path=format_loc(loc), line=doc.line_of(loc))],
        )
    tag = getattr(node, "tag", None)
    tag_value = getattr(tag, "value", tag)
    if tag_value is not None and tag_value not in _CORE_TAGS:
        raise error(str(doc.path), [Problem(f"YAML tag {tag_value!r} is not allowed", path=format_loc(loc), line=doc.line_of(loc))])
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if not isinstance(k, str):
                raise error(str(doc.path), [Problem(f"keys must be text, found {k!r}", path=format_loc(loc), line=doc.line_of(loc))])
            out[k] = _plain(v, doc, error, budget, loc + (k,))
        return out
    if isinstance(node, list):
        return [_plain(v, doc, error, budget, loc + (i,)) for i, v in enumerate(node)]
    if node is None or isinstance(node, (bool, int, float, dt.date, dt.datetime)):
        return _plain_scalar(node)
    if isinstance(node, str):
        return str(node)
    raise error(str(doc.path), [Problem(f"unsupported YAML value of type {type(node).__name__}", path=format_loc(loc), line=doc.line_of(loc))])


def _plain_scalar(node: Any) -> Any:
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, dt.datetime):
        return node
    if isinstance(node, dt.date):
        return dt.date(node.year, node.month, node.day)
    return node
