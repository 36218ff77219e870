"""Where each field of the return goes in a workbook, worked out from the pydantic models.

The template writer and the reader both take their layout from here, and the layout is derived
from `SelfAssessment` by walking its fields, so the two can never disagree and a field added to the
model appears in the next template with no further work. Nothing here touches a file.

The layout, per section (one top-level field of the return, one sheet):

* scalar fields of the section and of its nested parts, one row each: column A holds the field's
  path (the key the reader looks rows up by, so inserted rows, moved rows and renamed sheets are
  harmless), then its description, the value, notes and the expected format;
* each list of the section as a table below the fields: a marker row (column A the list's path,
  column C "none" for "reported, and there were none"), a row describing each column, a header
  row of field names, then one row per item (blank rows are skipped, so there is room to add).
"""

from __future__ import annotations

import datetime as dt
import types
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from compliance.domain.labels import plain_words, value_label
from compliance.domain.model import SelfAssessment

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")  # .xlsm is read, its macros never loaded
# Spreadsheets saved in a format we do not read: found like returns (a screening lists each, with how
# to convert it, rather than silently screening one organisation fewer) and refused with that advice.
OTHER_SPREADSHEETS = {".xls": "an old-format Excel file (.xls)", ".ods": "an OpenDocument spreadsheet (.ods)"}
TEMPLATE_VERSION = "1"
# Template versions this reader understands; a workbook from any other is refused with a message.
READABLE_TEMPLATE_VERSIONS = frozenset({"1"})
INFO_SHEET = "safeguard_template"
COVER_SHEET = "Cover"
SHEET_TITLE_MAX = 31  # Excel's limit on a sheet name
SHEET_TITLES = {"actions": "Action plan"}  # sheets not named after their section

# Fixed columns of the fields block (1-based, as openpyxl counts).
KEY_COL, QUESTION_COL, VALUE_COL, NOTES_COL, FORMAT_COL = 1, 2, 3, 4, 5
FIELD_HEADERS = ("Reference (do not change)", "Question", "Value", "Notes", "Format")
# The first header as templates before plain words wrote it: still read, so older workbooks read.
OLD_FIELD_HEADER = "Field"
NONE_WORD = "none"  # in a list's marker row: reported, and there were none
NOTES_COLUMN = "notes"  # the last column of every table (older templates' header)
NOTES_HEADER = "Notes"  # its header as templates write it now
YES, NO = "yes", "no"
ROW = "<row>"  # the part a table column's required value belongs to: its row


class _Named:
    """A leaf or a table is named by its path: the key in column A (read by the tool), and a label
    for people: the model's title for the field."""

    path: tuple[str, ...]
    title: str

    @property
    def key(self) -> str:
        return ".".join(self.path)

    @property
    def label(self) -> str:
        return self.title or self.path[-1].replace("_", " ").capitalize()


@dataclass(frozen=True)
class Leaf(_Named):
    """One value a person types: a row of the fields block, or a column of a table."""

    path: tuple[str, ...]  # from the return's root; for a table column, from the item
    kind: str  # bool | int | float | date | text | choice
    required: bool  # within the part it belongs to
    description: str
    part: str | None = None  # the optional part a required leaf is required with, e.g. was_not_brought.policy
    choices: tuple[str, ...] = ()
    ge: float | None = None
    le: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    title: str = ""
    group: str = ""  # the titles of the parts it sits in below its section, e.g. "Supervision"
    part_title: str = ""  # the title of `part`, in words

    @property
    def words(self) -> tuple[str, ...]:
        """The choices as a person reads them in a dropdown ('requires improvement'), in the order of
        `choices`; the codes themselves when two would read alike."""
        if self.kind == "bool":
            return self.choices
        words = tuple(value_label(c) for c in self.choices)
        return words if len({w.lower() for w in words}) == len(words) else self.choices

    def code_for(self, typed: str) -> str | None:
        """The code a typed choice stands for: its words or the code itself, in any case."""
        t = " ".join(typed.split()).lower()
        for code, word in zip(self.choices, self.words):
            if t in (code.lower(), word.lower()):
                return code
        return None

    def format_hint(self) -> str:
        """What a person may enter, in words (Excel's validation is a courtesy; the reader checks again)."""
        hint = self.value_hint()
        if not self.required:
            return hint
        if self.part == ROW:
            return hint + "; required in every row"
        return hint + (f"; required when anything under '{self.part_title or self.part}' is filled" if self.part else "; required")

    def value_hint(self) -> str:
        """The kind of value alone ('a whole number, at least 0'), without whether it is required."""
        if self.kind == "bool":
            hint = "yes or no"
        elif self.kind == "choice":
            hint = "one of the list"
        elif self.kind == "date":
            hint = "a date (YYYY-MM-DD)"
        elif self.kind in ("int", "float"):
            word = "a whole number" if self.kind == "int" else "a number"
            bounds = [f"at least {_num(self.ge)}"] if self.ge is not None else []
            bounds += [f"at most {_num(self.le)}"] if self.le is not None else []
            hint = word + (f", {' and '.join(bounds)}" if bounds else "")
        else:
            hint = f"text, up to {self.max_length} characters" if self.max_length else "text"
        return hint


@dataclass(frozen=True)
class Table(_Named):
    """A list in the return: one row per item."""

    path: tuple[str, ...]
    description: str
    columns: tuple[Leaf, ...]  # paths relative to an item
    scalar: bool  # items are single values (the one column is "value"), not records
    max_items: int | None
    required: bool
    title: str = ""



@dataclass(frozen=True)
class Section:
    name: str
    description: str
    leaves: tuple[Leaf, ...]
    tables: tuple[Table, ...]
    required: bool
    label: str = ""

    @property
    def title(self) -> str:
        return SHEET_TITLES.get(self.name, self.name.replace("_", " ").capitalize())[:SHEET_TITLE_MAX]


class LayoutError(TypeError):
    """The model has a shape the workbook cannot show (a bug in the model or here, never the user's)."""


def sections(names: list[str] | None = None, model: type[BaseModel] = SelfAssessment) -> list[Section]:
    """The return's sections in the model's order (only `names`, when given)."""
    out = []
    for name, info in model.model_fields.items():
        if names is not None and name not in names:
            continue
        base, _meta, optional = unwrap(info.annotation, info)
        required = info.is_required() and not optional
        description = plain_words(info.description or _doc(base) or "")
        label = info.title or name.replace("_", " ").capitalize()
        if _is_model(base):
            leaves, tables = _walk(base, (name,), None if required else name, (), None if required else label)
            out.append(Section(name, description or _doc(base), tuple(leaves), tuple(tables), required, label))
        elif get_origin(base) is list:
            table = _table(name, (name,), base, info, required, _siblings(model))
            out.append(Section(name, description or table.description, (), (table,), required, label))
    return out


def meta_fields(model: type[BaseModel] = SelfAssessment) -> dict[str, str]:
    """Top-level fields that are not sections (the schema version): written to the hidden sheet."""
    out = {}
    for name, info in model.model_fields.items():
        base, _meta, _opt = unwrap(info.annotation, info)
        if get_origin(base) is Literal:
            out[name] = str(get_args(base)[0])
    return out


def unwrap(annotation: Any, info: FieldInfo | None = None) -> tuple[Any, list[Any], bool]:
    """The type under Annotated/Optional, the constraints met on the way, and whether None is allowed."""
    meta: list[Any] = list(info.metadata) if info is not None else []
    optional = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            args = get_args(annotation)
            annotation = args[0]
            for m in args[1:]:
                meta.extend(m.metadata if isinstance(m, FieldInfo) else [m])
        elif origin in (Union, types.UnionType):
            args = tuple(a for a in get_args(annotation) if a is not type(None))
            optional = optional or len(args) < len(get_args(annotation))
            if len(args) != 1:
                raise LayoutError(f"a union of {args} has no single place in a workbook")
            annotation = args[0]
        else:
            return annotation, meta, optional


def _siblings(model: type[BaseModel]) -> dict[str, str]:
    """A model's field names -> titles: what a description's `field_name` reads as."""
    return {n: i.title for n, i in model.model_fields.items() if i.title}


def _walk(model: type[BaseModel], prefix: tuple[str, ...], part: str | None, group: tuple[str, ...] = (),
          part_title: str | None = None) -> tuple[list[Leaf], list[Table]]:
    leaves: list[Leaf] = []
    tables: list[Table] = []
    siblings = _siblings(model)
    for name, info in model.model_fields.items():
        path = prefix + (name,)
        base, meta, optional = unwrap(info.annotation, info)
        required = info.is_required() and not optional
        title = info.title or name.replace("_", " ").capitalize()
        if _is_model(base):
            sub_leaves, sub_tables = _walk(base, path, part if required else ".".join(path), group + (title,),
                                           part_title if required else title)
            leaves += sub_leaves
            tables += sub_tables
        elif get_origin(base) is list:
            tables.append(_table(name, path, base, info, required, siblings))
        else:
            leaves.append(_leaf(path, base, meta, required, plain_words(info.description or "", siblings), part,
                                title, ": ".join(group), part_title or ""))
    return leaves, tables


def _table(name: str, path: tuple[str, ...], base: Any, info: FieldInfo, required: bool,
           siblings: dict[str, str] | None = None) -> Table:
    item, item_meta, _opt = unwrap(get_args(base)[0])
    max_items = next((m.max_length for m in info.metadata if isinstance(m, annotated_types.MaxLen)), None)
    description = plain_words(info.description or "", siblings)
    title = info.title or name.replace("_", " ").capitalize()
    if _is_model(item):
        columns, nested = _walk(item, (), ROW, (), "the row")
        if nested:
            raise LayoutError(f"{'.'.join(path)}: a list inside a list item has no place in a workbook")
        return Table(path, description or _doc(item), tuple(columns), False, max_items, required, title)
    column = _leaf(("value",), item, item_meta, True, None, title=title)
    return Table(path, description, (column,), True, max_items, required, title)


def _leaf(path: tuple[str, ...], base: Any, meta: list[Any], required: bool, description: str | None,
          part: str | None = None, title: str = "", group: str = "", part_title: str = "") -> Leaf:
    bounds: dict[str, Any] = {}
    for m in meta:
        for attr in ("ge", "le", "min_length", "max_length"):
            if getattr(m, attr, None) is not None:
                bounds[attr] = getattr(m, attr)
    desc = description or ""
    if base is bool:
        return Leaf(path, "bool", required, desc, part, (YES, NO), title=title, group=group, part_title=part_title)
    if isinstance(base, type) and issubclass(base, Enum):
        return Leaf(path, "choice", required, desc, part, tuple(str(e.value) for e in base), title=title, group=group, part_title=part_title)
    if get_origin(base) is Literal:
        return Leaf(path, "choice", required, desc, part, tuple(str(a) for a in get_args(base)), title=title, group=group, part_title=part_title)
    if base is dt.date:
        return Leaf(path, "date", required, desc, part, title=title, group=group, part_title=part_title)
    if base is int:
        return Leaf(path, "int", required, desc, part, ge=bounds.get("ge"), le=bounds.get("le"), title=title, group=group, part_title=part_title)
    if base is float:
        return Leaf(path, "float", required, desc, part, ge=bounds.get("ge"), le=bounds.get("le"), title=title, group=group, part_title=part_title)
    if base is str:
        return Leaf(path, "text", required, desc, part, min_length=bounds.get("min_length"),
                    max_length=bounds.get("max_length"), title=title, group=group, part_title=part_title)
    raise LayoutError(f"{'.'.join(path)}: a {base!r} has no place in a workbook")


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel)


def _doc(t: Any) -> str:
    """A model's own docstring, when it has one (not the one BaseModel gives every subclass)."""
    doc = t.__dict__.get("__doc__") if isinstance(t, type) else None
    return " ".join(doc.split()) if doc else ""


def _num(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,}"
