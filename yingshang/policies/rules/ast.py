"""The rule tree: few, explicit node types, so that one evaluator works per enterprise and a batch
compiler can turn the same tree into column expressions (see docs/rules.md, "Batch mapping").

Conditions: three groups (AllOf, AnyOf, Not) and seven leaves (Compare, Member, Between, InWindow,
YearsSince, Contains, HasQualification). Amounts: Fixed, Tiered, Percentage, PerUnit.
Values inside nodes are already typed: int (counts and fen), Decimal (percentage points),
datetime.date, str (text and enum codes), bool.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

Value = int | Decimal | dt.date | str | bool

COMPARE_OPS = ("eq", "ne", "gt", "ge", "lt", "le")


@dataclass(frozen=True)
class Window:
    """A closed date window. `policy=True`: this policy's validity window, resolved at evaluation.

    A None bound is open on that side.
    """

    start: dt.date | None = None
    end: dt.date | None = None
    policy: bool = False

    def resolve(self, policy_start: dt.date | None, policy_end: dt.date | None) -> tuple[dt.date | None, ...]:
        return (policy_start, policy_end) if self.policy else (self.start, self.end)


AS_OF: Final = "as_of"  # HasQualification.valid_on: still valid on the evaluation date


@dataclass(frozen=True)
class Compare:
    field: str
    op: str  # one of COMPARE_OPS
    value: Value


@dataclass(frozen=True)
class Member:
    field: str
    values: tuple[Value, ...]
    negated: bool = False


@dataclass(frozen=True)
class Between:
    """Inclusive numeric range."""

    field: str
    low: Value
    high: Value


@dataclass(frozen=True)
class InWindow:
    field: str
    window: Window


@dataclass(frozen=True)
class YearsSince:
    """Whole years from the field's date to the evaluation date: at least `years`, or fewer."""

    field: str
    years: int
    at_least: bool = True


@dataclass(frozen=True)
class Contains:
    field: str
    text: str


@dataclass(frozen=True)
class HasQualification:
    """Holds a record of `kind` at one of `levels` (empty: any level) that meets every given filter."""

    kind: str
    levels: tuple[str, ...] = ()
    certified_within: Window | None = None
    first_certified_within: Window | None = None
    valid_on: dt.date | Literal["as_of"] | None = None
    field: str = "qualifications"


Leaf = Compare | Member | Between | InWindow | YearsSince | Contains | HasQualification


@dataclass(frozen=True)
class AllOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = AllOf | AnyOf | Not | Leaf
LEAF_TYPES = (Compare, Member, Between, InWindow, YearsSince, Contains, HasQualification)


# --- amounts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fixed:
    fen: int


@dataclass(frozen=True)
class Tiered:
    """Amount by the highest-paying level the enterprise holds among `qualification`'s matching records."""

    qualification: HasQualification
    tiers: tuple[tuple[str, int], ...]  # (level code, fen)


@dataclass(frozen=True)
class Percentage:
    """`rate` percentage points of a money field, rounded down to the fen, then capped."""

    field: str
    rate: Decimal
    cap_fen: int | None = None


@dataclass(frozen=True)
class PerUnit:
    """`each_fen` per unit of an integer field, counting at most `max_units`, then capped."""

    field: str
    each_fen: int
    max_units: int | None = None
    cap_fen: int | None = None


Amount = Fixed | Tiered | Percentage | PerUnit


# --- walking and serialising ----------------------------------------------------------------------


def leaves(node: Node) -> list[Leaf]:
    if isinstance(node, AllOf | AnyOf):
        return [leaf for child in node.children for leaf in leaves(child)]
    if isinstance(node, Not):
        return leaves(node.child)
    return [node]


def amount_fields(amount: Amount) -> list[str]:
    """Profile fields an amount reads (qualifications for a tiered amount)."""
    if isinstance(amount, Tiered):
        return [amount.qualification.field]
    if isinstance(amount, Percentage | PerUnit):
        return [amount.field]
    return []


def _plain_value(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Window):
        return {"start": _plain_value(value.start), "end": _plain_value(value.end), "policy": value.policy}
    if isinstance(value, tuple):
        return [_plain_value(v) for v in value]
    return value


def to_data(node: object) -> object:
    """A JSON-ready dict of a condition or amount tree: `{"node": "compare", ...}`.

    This is the normal form the content hash is taken over and the form a batch compiler reads.
    """
    if isinstance(node, tuple):
        return [to_data(child) for child in node]
    if not hasattr(node, "__dataclass_fields__"):
        return _plain_value(node)
    data: dict[str, object] = {"node": type(node).__name__.lower()}
    for name in node.__dataclass_fields__:
        value = getattr(node, name)
        if isinstance(value, tuple) and value and hasattr(value[0], "__dataclass_fields__"):
            data[name] = [to_data(child) for child in value]
        elif hasattr(value, "__dataclass_fields__") and not isinstance(value, Window):
            data[name] = to_data(value)
        else:
            data[name] = _plain_value(value)
    return data


@dataclass(frozen=True)
class Context:
    """What an evaluation is relative to: the evaluation date and this policy's validity window."""

    as_of: dt.date
    policy_start: dt.date | None = None
    policy_end: dt.date | None = None

    def window(self, window: Window) -> tuple[dt.date | None, dt.date | None]:
        start, end = window.resolve(self.policy_start, self.policy_end)
        return start, end
