"""Reading YAML and JSON documents safely, with line numbers for error messages.

Every file the tool reads (returns, rules, profiles, weights) comes through here, in three steps:

1. `read_bytes`: open without following the path anywhere surprising (a FIFO or a device never
   blocks us, a symlink loop or a path through a file is an error naming the file), refuse
   anything over the size bound before reading it.
2. `read_text`: UTF-8, and no control characters (the place of the first is named), so nothing a
   reader later prints can move a terminal's cursor or break an XML report.
3. A pre-scan of the YAML event stream or of the JSON tokens that enforces the `Limits` (values,
   depth, expanded aliases, length of number literals, finite numbers, real calendar dates) with
   the line and column of the offending value *before* any object is built. Refusing a hostile
   file therefore costs one streaming pass, not the time and memory of building it.

Why not just `yaml.safe_load`: we also need the line of any field an error points at, a bound on
alias expansion ("billion laughs"), and a refusal of every explicit tag, not only the dangerous
ones. JSON takes the fast path through the standard library (large cohorts are JSON) and is re-read
as YAML, which it is, only when an error needs a line number.

Readers of other formats (CSV and Parquet records, workbooks) use the same `read_bytes`, `Limits`
and `Budget`, and report cells and rows through `Problem.at_cell` / `Problem.at_row`.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import math
import itertools
import os
import re
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from collections.abc import Iterable, Iterator
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from compliance.domain.errors import InputError, Problem, UserError
from compliance.domain.positions import LineMap, Loc

MAX_BYTES = 2 * 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 40
MAX_DIGITS = 40  # a number literal longer than this is no count, amount or threshold anyone reports



@dataclass(frozen=True)
class Limits:
    """Bounds on one document, checked while streaming it, before anything is built."""

    max_bytes: int = MAX_BYTES
    max_nodes: int = MAX_NODES  # values, keys included, after alias expansion
    max_depth: int = MAX_DEPTH
    max_digits: int = MAX_DIGITS


DEFAULT_LIMITS = Limits()


class Budget:
    """What a streaming reader has spent on one file; the first bound passed raises, with the place.

    Shared by every reader (YAML events, JSON tokens, and record or workbook cells) so each format
    refuses the same things in the same words.
    """

    def __init__(self, file: str, error: type[UserError], limits: Limits = DEFAULT_LIMITS):
        self.file, self.error, self.limits = file, error, limits
        self.nodes = 0

    def refuse(self, message: str, **where: Any) -> None:
        raise self.error(self.file, [Problem(message, **where)])

    def spend(self, n: int, depth: int, **where: Any) -> None:
        self.nodes += n
        if self.nodes > self.limits.max_nodes:
            self.refuse(f"the document expands to more than {self.limits.max_nodes:,} values "
                        "(too many values, or repeated anchors and aliases)", **where)
        if depth > self.limits.max_depth:
            self.refuse(f"the document is nested deeper than {self.limits.max_depth} levels", **where)

    def number(self, text: str, **where: Any) -> None:
        """A number literal: bounded length, and a finite value (no NaN, no infinity)."""
        digits = len(text)
        if digits > self.limits.max_digits:
            self.refuse(f"a number of {digits:,} characters; at most {self.limits.max_digits} are accepted", **where)
        if text.lstrip("+-").lower() in (".inf", ".nan"):
            self.refuse(f"{text!r} is not a finite number (NaN and infinity are not accepted)", **where)
        try:
            value = float(text.replace("_", ""))
        except ValueError:
            return  # e.g. 0x1F or 0o17: an integer, already bounded in length
        if not math.isfinite(value):
            self.refuse(f"{text!r} is not a finite number (NaN and infinity are not accepted)", **where)


def format_loc(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Document:
    """Parsed data plus where each part of it starts (`lines`, worked out once, when first asked)."""

    def __init__(self, path: Path, text: str, data: Any):
        self.path = path
        self.text = text
        self.data = data
        self._lines: LineMap | None = None

    @property
    def lines(self) -> LineMap:
        """The document's line map, from one composition of its text (about a tenth of the cost of
        the round-trip load, and never part of reading data that needs no line)."""
        if self._lines is None:
            self._lines = line_map(self.text)
        return self._lines

    def line_of(self, loc: Loc) -> int | None:
        """The 1-based line of the deepest part of `loc` present in the file."""
        return self.lines.line_of(loc)


def line_map(text: str, limit: int = 1_000_000) -> LineMap:
    """Where every key, item and plain value of a YAML or JSON text starts.

    Composed (not constructed): nodes carry their marks and nothing is built.
    An alias is not walked again (its anchor's places are the places), and at most `limit` places
    are kept, so the map is bounded whatever the text. A text that does not compose has an empty map.
    """
    root = None
    for typ in ("safe", "rt"):  # the C parser, else the one the data came through (it accepts a little more)
        try:
            root = YAML(typ=typ).compose(text)
            break
        except (YAMLError, ValueError, OverflowError, RecursionError):
            continue
    else:
        return LineMap({})
    at: dict[Loc, tuple[int, int, int, int]] = {}
    seen: set[int] = set()
    stack: list[tuple[Loc, Any]] = [((), root)] if root is not None else []
    while stack and len(at) < limit:
        loc, node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        children: list[tuple[Loc, Any]] = []
        if isinstance(node, MappingNode):
            for key, value in node.value[: limit - len(at)]:
                if not isinstance(key, ScalarNode):
                    continue
                here = (*loc, key.value)
                scalar = isinstance(value, ScalarNode)
                at.setdefault(here, (key.start_mark.line, key.start_mark.column,
                                     value.start_mark.line if scalar else -1, value.start_mark.column if scalar else -1))
                children.append((here, value))
        elif isinstance(node, SequenceNode):
            for i, item in enumerate(node.value[: limit - len(at)]):
                here = (*loc, i)
                scalar = isinstance(item, ScalarNode)
                at[here] = (item.start_mark.line, item.start_mark.column,
                            item.start_mark.line if scalar else -1, item.start_mark.column if scalar else -1)
                children.append((here, item))
        stack += reversed(children)  # in document order: an anchor's places are where it is written
    return LineMap(at)


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.allow_duplicate_keys = False
    return y


# --- step 1: bytes ------------------------------------------------------------------------------------

_OS_REASONS = {
    errno.ENOENT: "no such file",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ELOOP: "too many levels of symbolic links (a symlink loop?)",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.ENAMETOOLONG: "the name (or a part of the path) is too long",
    errno.EISDIR: "is a folder, not a file",
    errno.ENXIO: "a device or socket, not a file",
}


def os_reason(e: OSError) -> str:
    """An OSError in words a user acts on, without Python's exception dressing."""
    return _OS_REASONS.get(e.errno or 0) or (os.strerror(e.errno) if e.errno else str(e)).lower()


def open_regular(path: Path, error: type[UserError] = InputError, max_bytes: int = MAX_BYTES) -> int:
    """A descriptor on a regular file of at most `max_bytes`; anything else is the user's error, never ours.

    Opened non-blocking and checked with fstat on the open descriptor, so a FIFO or a device named
    like a return never hangs the run and a file swapped after a check is still the one checked.
    The caller reads from this descriptor only (never opening the name again) and closes it.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        reason = os_reason(e)
        if e.errno == errno.ENOENT and os.path.islink(path):
            reason = "a symbolic link to something that does not exist"
        raise error(str(path), [Problem(f"cannot open: {reason}")]) from None
    except ValueError:  # an embedded NUL in the name
        raise error(str(path), [Problem("cannot open: the name contains a NUL character")]) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise error(str(path), [Problem("not a regular file (a folder)")])
        if not stat.S_ISREG(st.st_mode):
            raise error(str(path), [Problem("not a regular file (a pipe, device or socket)")])
        if st.st_size > max_bytes:
            raise error(str(path), [Problem(f"the file is {st.st_size:,} bytes; at most {max_bytes:,} are accepted")])
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_chunks(path: Path, error: type[UserError] = InputError, max_bytes: int = MAX_BYTES,
                chunk: int = 1 << 20) -> Iterator[bytes]:
    """The bytes of a regular file in pieces, at most `max_bytes` in all (a file growing while it is
    read is cut off at the bound, not followed), from one open descriptor."""
    fd = open_regular(path, error, max_bytes)
    try:
        total = 0
        while True:
            try:
                piece = os.read(fd, min(chunk, max_bytes + 1 - total))
            except OSError as e:
                raise error(str(path), [Problem(f"cannot read: {os_reason(e)}")]) from None
            if not piece:
                return
            total += len(piece)
            if total > max_bytes:
                raise error(str(path), [Problem(f"the file is over {max_bytes:,} bytes, the most accepted")])
            yield piece
    finally:
        os.close(fd)


def read_bytes(path: Path, error: type[UserError] = InputError, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file, at most `max_bytes` (see `open_regular`)."""
    return b"".join(read_chunks(path, error, max_bytes))


# --- step 2: text -------------------------------------------------------------------------------------

# What YAML itself accepts as printable, applied to JSON too: tab, newline, carriage return,
# printable ASCII, NEL and the printable rest of Unicode (no C0/C1 controls, DEL, surrogates).
# Written as the few characters excluded: the same set as "not tab, newline, ..., \U0010ffff", whose
# compilation into a bitmap of all Unicode was 5 ms of every start (tests/test_inputs.py compares them).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


_UTF16 = ": it looks like UTF-16 text (Notepad's \"Unicode\"); save it as UTF-8 and try again"


def looks_utf16(raw: bytes) -> bool:
    """A UTF-16 byte order mark, or (without one) a NUL in every other byte of the first line's worth."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    head = raw[:64]
    if len(head) < 8:
        return False
    nuls = [head[k::2].count(0) * 4 for k in (0, 1)]  # four times the NULs among the even and the odd bytes
    half = len(head) // 2
    # ASCII in UTF-16: one half nearly all NUL, the other nearly none (a file of NULs is not text at all)
    return any(nuls[k] >= 3 * half and nuls[1 - k] <= half for k in (0, 1))


def _encoding_hint(raw: bytes) -> str:
    """What the text probably is, and how to save it as UTF-8 (Notepad's "Unicode" is UTF-16)."""
    return _UTF16 if looks_utf16(raw) else ": save it as UTF-8 (in Notepad: Save As, Encoding UTF-8) and try again"


def read_text(path: Path, error: type[UserError] = InputError, max_bytes: int = MAX_BYTES) -> str:
    return decode_text(path, read_bytes(path, error, max_bytes), error)


def decode_text(path: Path, raw: bytes, error: type[UserError] = InputError) -> str:
    """The text of bytes read from `path`: UTF-8, a byte order mark dropped, no control characters."""
    if looks_utf16(raw):  # ASCII in UTF-16 without a BOM is valid UTF-8 full of NULs: say what it really is
        raise error(str(path), [Problem("not UTF-8 text (byte 0)" + _UTF16, line=1, column=1)])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line, column = line_column(raw[: e.start].decode("utf-8", "replace"), e.start)
        raise error(str(path), [Problem(f"not UTF-8 text (byte {e.start}){_encoding_hint(raw)}", line=line,
                                        column=column)]) from None
    bad = _UNPRINTABLE.search(text)
    if bad:
        line, column = line_column(text, bad.start())
        raise error(str(path), [Problem(
            f"control character U+{ord(bad.group()):04X} is not accepted (write it escaped, or remove it)",
            line=line, column=column)])
    return text


# --- step 3: pre-scan, then build -----------------------------------------------------------------------


def read_document(path: Path, error: type[UserError] = InputError, max_bytes: int = MAX_BYTES,
                  limits: Limits = DEFAULT_LIMITS) -> Document:
    """Read one YAML or JSON document into plain Python data (dict, list, str, int, float, bool, date)."""
    return parse_document(path, read_text(path, error, max_bytes), error, limits)


def parse_document(path: Path, text: str, error: type[UserError] = InputError,
                   limits: Limits = DEFAULT_LIMITS) -> Document:
    """The document in `text`, read from `path` (whose name says YAML or JSON and names any problem)."""
    budget = Budget(str(path), error, limits)
    if path.suffix.lower() == ".json":
        scan_json(text, budget)
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
        except json.JSONDecodeError as e:
            raise error(str(path), [Problem(f"invalid JSON: {e.msg}", line=e.lineno, column=e.colno)]) from None
        except ValueError as e:  # a duplicate key: YAML finds where it is
            raise error(str(path), [_json_problem(text, str(e))]) from None
        return Document(path, text, data)
    scan_yaml(text, budget)
    data = _plain_fast(text)
    if data is not _SLOW:
        return Document(path, text, data)  # lines are worked out only when asked for
    try:
        tree = _yaml().load(text)
    except MarkedYAMLError as e:
        raise error(str(path), [_yaml_problem(e)]) from None
    except YAMLError as e:
        raise error(str(path), [Problem(f"invalid YAML: {e}")]) from None
    except (ValueError, OverflowError) as e:  # a value the scan let through: still the user's file
        raise error(str(path), [Problem(f"invalid value: {e}")]) from None
    doc = Document(path, text, None)
    doc.data = _plain(tree, doc, error, ())
    return doc


_SLOW = object()
_PLAIN_SCALARS = (str, bool, int, float, dt.date, type(None))


def _plain_fast(text: str) -> Any:
    """The document through the C parser and the safe constructor (about 5x faster than the
    round-trip loader, with the same YAML 1.2 resolution), or _SLOW.

    Only a document that loads cleanly into plain data (text keys; text, numbers, booleans, null and
    dates) is taken from here. Anything else (merge keys, whose order differs, date-times, other
    tags, keys that are not text, a duplicate key, any error) goes the round-trip way, which
    decides and words every refusal exactly as before.
    """
    if "<<" in text:
        return _SLOW
    try:
        data = YAML(typ="safe").load(text)
    except Exception:  # noqa: BLE001 - the round-trip loader reports it, with its place
        return _SLOW
    stack = [data]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is dict:
            if not all(type(k) is str for k in node):
                return _SLOW
            stack.extend(node.values())
        elif kind is list:
            stack.extend(node)
        elif kind not in _PLAIN_SCALARS:
            return _SLOW
    return data


def _yaml_problem(e: MarkedYAMLError) -> Problem:
    mark = e.problem_mark or e.context_mark
    msg = " ".join(str(x) for x in (e.context, e.problem) if x)
    return Problem(f"invalid YAML: {msg}", line=mark.line + 1 if mark else None,
                   column=mark.column + 1 if mark else None)


def _json_problem(text: str, message: str) -> Problem:
    try:
        _yaml().load(text)
    except MarkedYAMLError as e:
        found = _yaml_problem(e)
        return Problem(message, line=found.line, column=found.column)
    except Exception:  # noqa: BLE001 - only a better location was being looked for
        pass
    return Problem(message)


# Plain (unquoted) YAML scalars the core schema turns into numbers or timestamps.
_NUMBER = re.compile(r"[-+]?(?:\.(?:inf|Inf|INF|nan|NaN|NAN)|0[xob][0-9a-fA-F_]+|\.?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?)")
_TIMESTAMP = re.compile(
    r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2}):(?P<S>[0-9]{2})(?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+](?P<tzh>[0-9]{1,2})(?::?(?P<tzm>[0-9]{2}))?))?)?")
_CORE = "tag:yaml.org,2002:"


def _check_timestamp(m: re.Match, budget: Budget, where: dict[str, Any]) -> None:
    try:
        dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
        if m["H"] is not None:
            dt.time(int(m["H"]), int(m["M"]), int(m["S"]))
        if m["tzh"] is not None and (int(m["tzh"]) > 23 or int(m["tzm"] or 0) > 59):
            raise ValueError("time zone offset out of range")
    except ValueError as e:
        budget.refuse(f"{m.group()!r} is not a real date or time ({e})", **where)


def scan_yaml(text: str, budget: Budget) -> None:
    """One pass over the event stream: count values (aliases by the size of what they repeat),
    depth, and check every number and timestamp literal, all before a node is built.

    The loop is the cost of refusing a 2 MB file, so the common event (a short plain scalar) takes
    the fewest steps; locations are only worked out when something is refused.
    """
    parser = YAML(typ="safe")  # the C event parser when ruamel.yaml.clib is installed
    limits = budget.limits
    max_nodes, max_depth = limits.max_nodes, limits.max_depth
    anchors: dict[str, tuple[int, int]] = {}  # anchor -> (values, depth below it)
    stack: list[list[Any]] = []  # [values before, anchor, deepest below]
    depth = 0
    ev = None
    try:
        for ev in parser.parse(text):
            kind = type(ev).__name__
            if kind == "ScalarEvent":
                budget.nodes += 1
                if budget.nodes > max_nodes or depth >= max_depth:
                    budget.spend(0, depth + 1, **_mark(ev))
                value = ev.value
                if ev.tag is not None or (not ev.style and value and value[0] in _NUMERIC_START
                                          and (len(value) > 9 or not value.isdigit())):
                    _scan_scalar(ev, budget)
                if ev.anchor:
                    anchors[ev.anchor] = (1, 0)
                if stack and depth + 1 > stack[-1][2]:
                    stack[-1][2] = depth + 1
            elif kind in ("SequenceStartEvent", "MappingStartEvent"):
                if ev.tag is not None and not ev.tag.startswith(_CORE):
                    budget.refuse(f"YAML tag {ev.tag!r} is not allowed", **_mark(ev))
                depth += 1
                budget.nodes += 1
                if budget.nodes > max_nodes or depth > max_depth:
                    budget.spend(0, depth, **_mark(ev))
                stack.append([budget.nodes, ev.anchor, depth])
            elif kind in ("SequenceEndEvent", "MappingEndEvent"):
                start, anchor, deepest = stack.pop()
                if anchor:
                    anchors[anchor] = (budget.nodes - start + 1, deepest - depth)
                if stack and deepest > stack[-1][2]:
                    stack[-1][2] = deepest
                depth -= 1
            elif kind == "AliasEvent":
                if any(open_[1] == ev.anchor for open_ in stack):
                    budget.refuse(f"the alias *{ev.anchor[:40]} refers to a value that contains it (a value "
                                  "cannot repeat itself inside itself)", **_mark(ev))
                n, below = anchors.get(ev.anchor, (1, 0))
                budget.spend(n, depth + 1 + below, **_mark(ev))
                if stack and depth + 1 + below > stack[-1][2]:
                    stack[-1][2] = depth + 1 + below
    except MarkedYAMLError as e:
        raise budget.error(budget.file, [_yaml_problem(e)]) from None
    except YAMLError as e:
        raise budget.error(budget.file, [Problem(f"invalid YAML: {e}")]) from None


_NUMERIC_START = frozenset("+-.0123456789")


def _mark(ev: Any) -> dict[str, int]:
    mark = ev.start_mark
    return {"line": mark.line + 1, "column": mark.column + 1} if mark is not None else {}


def _scan_scalar(ev: Any, budget: Budget) -> None:
    tag, value = ev.tag, ev.value
    if tag is not None and not tag.startswith(_CORE) and tag != "!":
        budget.refuse(f"YAML tag {tag!r} is not allowed", **_mark(ev))
    plain = not ev.style and tag is None
    if plain or tag in (_CORE + "int", _CORE + "float", _CORE + "timestamp"):
        if _NUMBER.fullmatch(value.strip()):
            budget.number(value, **_mark(ev))
        else:
            m = _TIMESTAMP.fullmatch(value)
            if m:
                _check_timestamp(m, budget, _mark(ev))


# JSON tokens that matter to the bounds: strings (skipped whole, so brackets inside them do not
# count), brackets, numbers and bare words (true, false, null; NaN and Infinity are refused here).
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]|[-+0-9.][-+0-9.eE]*|[A-Za-z]+')


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')  # the walk's string token, unrolled: 2.5x faster
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


@lru_cache(maxsize=8)
def _long_number(max_digits: int) -> re.Pattern[str]:
    return re.compile(rf"[-+0-9.]{{{max_digits + 1}}}")


def _surely_within(text: str, limits: Limits) -> bool:
    """Whether the text surely passes every bound of the token walk, found with a few whole-text
    passes in C (a quarter of the walk's time; the walk was 6% of screening an organisation). False
    sends the text to the walk, which decides and places every refusal.

    Outside strings: every value takes a character, so a text no longer than the node bound is
    within it; an `e` not in true or false may be an exponent; a run of number characters is a
    number's length; the brackets' running sum is the depth.
    """
    if len(text) > limits.max_nodes:
        return False
    bare = _JSON_STRING.sub('""', text)  # the same strings the walk skips, found the same way
    if "NaN" in bare or "Infinity" in bare:
        return False
    words_out = bare.replace("true", "").replace("false", "")
    if "e" in words_out or "E" in words_out or _long_number(limits.max_digits).search(bare):
        return False
    steps = map(_BRACKET_STEP.__getitem__, _NOT_BRACKET.sub("", bare))
    return max(itertools.accumulate(steps), default=0) <= limits.max_depth


def scan_json(text: str, budget: Budget) -> None:
    if not _surely_within(text, budget.limits):
        _walk_json(text, budget)


def _walk_json(text: str, budget: Budget) -> None:
    depth, limits = 0, budget.limits
    for m in _JSON_TOKEN.finditer(text):
        tok = m.group()
        first = tok[0]
        budget.nodes += first not in "]}"
        if first in "[{":
            depth += 1
            if depth > limits.max_depth:
                budget.spend(0, depth, **_at(text, m.start()))
        elif first in "]}":
            depth -= 1
        elif first.isalpha():
            if tok in ("NaN", "Infinity"):
                budget.refuse(f"{tok} is not a number JSON accepts (no NaN or infinity)", **_at(text, m.start()))
        elif first != '"' and (len(tok) > limits.max_digits or "e" in tok or "E" in tok):
            budget.number(tok, **_at(text, m.start()))
        if budget.nodes > limits.max_nodes:
            budget.spend(0, depth, **_at(text, m.start()))


def _at(text: str, offset: int) -> dict[str, int]:
    line, column = line_column(text, offset)
    return {"line": line, "column": column}


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number this format accepts")


_CORE_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
)


def _plain(node: Any, doc: Document, error: type[UserError], loc: Loc) -> Any:
    """Copy the round-trip tree into plain data, refusing tags (the scan bounded its size and depth)."""
    tag = getattr(node, "tag", None)
    tag_value = getattr(tag, "value", tag)
    if tag_value is not None and tag_value not in _CORE_TAGS:
        raise error(str(doc.path), [Problem(f"YAML tag {tag_value!r} is not allowed", path=format_loc(loc), line=doc.line_of(loc))])
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if not isinstance(k, str):
                line = None
                try:
                    line = node.lc.key(k)[0] + 1  # type: ignore[attr-defined]  # ruamel's CommentedMap
                except (AttributeError, KeyError, TypeError):
                    line = doc.line_of(loc)
                raise error(str(doc.path), [Problem(f"keys must be text, found {_short(k)}", path=format_loc(loc), line=line)])
            out[k] = _plain(v, doc, error, loc + (k,))
        return out
    if isinstance(node, list):
        return [_plain(v, doc, error, loc + (i,)) for i, v in enumerate(node)]
    if node is None or isinstance(node, (bool, int, float, dt.date, dt.datetime)):
        return _plain_scalar(node)
    if isinstance(node, str):
        return str(node)
    raise error(str(doc.path), [Problem(f"unsupported YAML value of type {type(node).__name__}", path=format_loc(loc), line=doc.line_of(loc))])


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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
