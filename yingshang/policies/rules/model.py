"""Policies, reward items, packs and their embedded test cases, as loaded and validated."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property

from yingshang.policies.rules import ast
from yingshang.policies.rules.evaluate import is_machine_checkable
from yingshang.policies.rules.fields import field_registry
from yingshang.policies.rules.render import amount_sentence, leaf_sentence, sentence


class Mode(Enum):
    AUTO = "免申即享"
    QUICK = "快申快享"
    APPLY = "申报"

    @classmethod
    def lookup(cls, text: str) -> Mode | None:
        aliases = {"auto": cls.AUTO, "quick": cls.QUICK, "apply": cls.APPLY}
        text = str(text).strip()
        return aliases.get(text) or next((m for m in cls if m.value == text), None)


class Verdict(Enum):
    ELIGIBLE = "eligible"
    NEEDS_CONFIRMATION = "needs_confirmation"
    NOT_ELIGIBLE = "not_eligible"

    @property
    def label(self) -> str:
        return {"eligible": "符合", "needs_confirmation": "需企业确认", "not_eligible": "不符合"}[self.value]

    @classmethod
    def lookup(cls, text: str) -> Verdict | None:
        text = str(text).strip()
        return next((v for v in cls if text in (v.value, v.label)), None)


@dataclass(frozen=True)
class Expectation:
    verdict: Verdict | None = None
    amount_fen: int | None = None  # checked when `has_amount`
    has_amount: bool = False
    mode: Mode | None = None
    reasons: tuple[str, ...] = ()  # fragments that must appear in the reasons
    codes: tuple[str, ...] = ()  # reason codes that must appear
    payable: tuple[tuple[str, int], ...] = ()  # policy-level: item id → payable fen after exclusivity
    total_fen: int | None = None


@dataclass(frozen=True)
class Case:
    id: str
    profile: Mapping[str, object]
    expect: Expectation
    as_of: dt.date | None = None
    line: int | None = None


def content_hash(data: object) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    conditions: ast.Node
    amount: ast.Amount
    mode: Mode
    valid_from: dt.date
    valid_to: dt.date | None
    targets: tuple[str, ...] = ()  # entity_type codes; empty: every type
    exclusivity_group: str | None = None
    budget_cap_fen: int | None = None
    tags: tuple[str, ...] = ()
    article: str = ""
    source_text: str = ""
    note: str = ""
    cases: tuple[Case, ...] = ()
    line: int | None = None
    version_label: str = ""
    # 牵头部门: who reviews (not what the rule decides, so not part of the version).
    department: str = ""
    # The district whose pack this item is in (the pack's `district`): only enterprises registered
    # there are eligible, whatever the conditions say. "" for a city-level pack (the whole city).
    jurisdiction: str = ""

    @cached_property
    def target_leaf(self) -> ast.Member | None:
        return ast.Member("entity_type", self.targets) if self.targets else None

    @cached_property
    def jurisdiction_leaf(self) -> ast.Member | None:
        return ast.Member("district", (self.jurisdiction,)) if self.jurisdiction else None

    def gate_leaves(self) -> list[ast.Member]:
        """Who the item is for at all, ANDed before its conditions: the target entity types (first,
        as the batch engine's narrowing expects), then the pack's district."""
        return [leaf for leaf in (self.target_leaf, self.jurisdiction_leaf) if leaf is not None]

    def all_leaves(self) -> list[ast.Leaf]:
        """Targets, district, conditions, and a tiered amount's qualification unless a condition
        already asks for it."""
        conditions = ast.leaves(self.conditions)
        asked = {leaf.kind for leaf in conditions if isinstance(leaf, ast.HasQualification)}
        tiered = self.amount.qualification if isinstance(self.amount, ast.Tiered) else None
        amount_leaves = [tiered] if tiered is not None and tiered.kind not in asked else []
        return [*self.gate_leaves(), *conditions, *amount_leaves]

    def manual_leaves(self) -> list[ast.Leaf]:
        """Leaves the platform cannot check from its own data."""
        return [leaf for leaf in self.all_leaves() if not is_machine_checkable(leaf)]

    def amount_is_machine_checkable(self) -> bool:
        if isinstance(self.amount, ast.Percentage | ast.PerUnit):
            return field_registry()[self.amount.field].machine_checkable
        return True

    @cached_property
    def effective_mode(self) -> Mode:
        """免申即享 only when every condition and the amount's inputs are machine-checkable."""
        if self.mode is Mode.AUTO and (self.manual_leaves() or not self.amount_is_machine_checkable()):
            return Mode.QUICK
        return self.mode

    def manual_sentences(self) -> list[str]:
        sentences = [leaf_sentence(leaf) for leaf in self.manual_leaves()]
        if not self.amount_is_machine_checkable():
            sentences.append(f"金额所需数据：{field_registry()[self.amount.field].label}")  # type: ignore[union-attr]
        return list(dict.fromkeys(sentences))

    def is_current(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def normal_form(self) -> dict[str, object]:
        form: dict[str, object] = {
            "id": self.id,
            "title": self.title,
            "targets": list(self.targets),
            "conditions": ast.to_data(self.conditions),
            "amount": ast.to_data(self.amount),
            "mode": self.mode.value,
            "exclusivity_group": self.exclusivity_group,
            "budget_cap_fen": self.budget_cap_fen,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
        }
        if self.jurisdiction:  # only when set: the items of city-level packs keep their versions
            form["jurisdiction"] = self.jurisdiction
        return form

    @cached_property
    def version(self) -> str:
        """Content hash of the normalised rule: changes exactly when what the rule decides changes."""
        return content_hash(self.normal_form())

    def sentence(self) -> str:
        targets = (
            "、".join(field_registry()["entity_type"].choice_label(t) for t in self.targets) or "各类市场主体"
        )
        mode = self.effective_mode.value
        if self.effective_mode is not self.mode:
            mode += "（含需企业确认的条件，不能免申即享）"
        group = (
            f"；与同组奖励不重复享受（{self.exclusivity_group}），以最高标准为准"
            if self.exclusivity_group
            else ""
        )
        if self.jurisdiction:
            targets = f"在{self.jurisdiction}登记注册的{targets}"
        conditions, amount = sentence(self.conditions), amount_sentence(self.amount)
        return f"适用于{targets}；条件：{conditions}；{amount}；方式：{mode}{group}。"


@dataclass(frozen=True)
class Policy:
    id: str
    title: str
    issuer: str
    doc_number: str
    published_on: dt.date | None
    valid_from: dt.date
    valid_to: dt.date | None
    items: tuple[Item, ...]
    source: str = ""
    source_note: str = ""  # e.g. "示例": details invented for the example
    cases_as_of: dt.date | None = None  # default evaluation date of this policy's test cases
    cases: tuple[Case, ...] = ()
    line: int | None = None
    department: str = ""  # 牵头部门 (items inherit it); not part of the version

    def context(self, as_of: dt.date) -> ast.Context:
        return ast.Context(as_of, self.valid_from, self.valid_to)

    @cached_property
    def version(self) -> str:
        head = {
            "id": self.id,
            "title": self.title,
            "issuer": self.issuer,
            "doc_number": self.doc_number,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
        }
        return content_hash({"policy": head, "items": [item.version for item in self.items]})


@dataclass(frozen=True)
class Pack:
    id: str
    title: str
    policies: tuple[Policy, ...]
    file: str = ""
    text_hash: str = field(default="", compare=False)
    district: str = ""  # a district's pack pays only enterprises registered there; "" for the city

    def items(self) -> Iterator[tuple[Policy, Item]]:
        for policy in self.policies:
            for item in policy.items:
                yield policy, item

    def item(self, item_id: str) -> tuple[Policy, Item]:
        return next((p, i) for p, i in self.items() if i.id == item_id)

    @property
    def version(self) -> str:
        return content_hash([p.version for p in self.policies])
