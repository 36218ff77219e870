"""The rule language's primitives: names, paths, numbers as written, and one-key mappings.

Below the schema, the filter operators and the measure kinds, so each of those can declare its own
shape from the same pieces.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar

from typing_extensions import Self

from pydantic import BeforeValidator, Field, PrivateAttr, model_validator
from pydantic_core import PydanticCustomError

from compliance.domain.base import Strict
from compliance.domain.positions import LineMap

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
RuleId = Annotated[str, Field(pattern=r"^[A-Z]{3}-[0-9]{3}$")]


def _strict_number(value: Any) -> Any:
    """A number as written: true is not 1, and NaN or infinity can never reach the engine."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError("number_type", "expected a number, got {v}", {"v": _brief(value)})
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("number_finite", "expected a finite number, got {v}", {"v": value})
    return value


def _brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
Number = Annotated[int | FiniteFloat, BeforeValidator(_strict_number)]
Path_ = Annotated[str, Field(pattern=r"^[a-z_0-9]+(\.[a-z_0-9]+)*(\[\])?(\.[a-z_0-9]+)*$", max_length=200)]
Scalar = bool | int | FiniteFloat | str


class OneKey(Strict):
    """A mapping with exactly one key, which says what it is (an operator, a kind of expression)."""

    ONE_KEY: ClassVar[str]

    @model_validator(mode="after")
    def _one(self) -> OneKey:
        if len(self.model_fields_set) != 1:
            raise PydanticCustomError("one_key", self.ONE_KEY)
        return self

    @property
    def op(self) -> str:
        return next(iter(self.model_fields_set))

    @property
    def arg(self) -> Any:
        return getattr(self, self.op)


class FromFile(Strict):
    """A model loaded from a file, carrying where each of its parts was in that file.

    The loader sets the line map once, from the parse that produced the model; it travels with the
    model (and with its cached copy), so nothing that reports on a rule ever reads its file again.
    A rule built in code has an empty map: its places are unknown, never guessed.
    """

    _lines: LineMap = PrivateAttr(default_factory=lambda: LineMap({}))

    @property
    def lines(self) -> LineMap:
        return self._lines

    def located(self, lines: LineMap) -> Self:
        self._lines = lines
        return self
