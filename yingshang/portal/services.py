"""What the enterprise page and the public pages show, shaped for their templates.

Object scope lives here: an enterprise's rows are always filtered by that enterprise, and the public
公示 rows are built from an explicit list of columns, so personal data (contact names, phones, bank
accounts, confirmer names) can never reach a public template by accident.

Other apps reach the portal through this module: `enterprise_code_url(enterprise)` (from codes.py) is
the link an enterprise's 企业码 opens.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from yingshang.entitlements.models import Entitlement, PublicNotice
from yingshang.entitlements.services import own_entitlements
from yingshang.entitlements.workflow import State, is_overdue, requires_confirmation
from yingshang.policies import services as policy_services
from yingshang.policies.models import RewardItem
from yingshang.policies.rules import ast
from yingshang.portal.codes import enterprise_code_url  # noqa: F401  (the 企业码 link, for other apps)
from yingshang.registry.industries import industry_table, section_of, sections
from yingshang.registry.models import Enterprise

# ==================================================================================================
# The enterprise page
# ==================================================================================================


def own_entitlement(enterprise: Enterprise, pk: int) -> Entitlement:
    """One of the enterprise's entitlements; another enterprise's id is a 404, never a 403 (no hint
    that it exists)."""
    return get_object_or_404(own_entitlements(enterprise), pk=pk)


def awaits_confirmation(entitlement: Entitlement) -> bool:
    """Pushed and not yet confirmed, for a mode that needs the enterprise's confirmation."""
    return entitlement.state == State.PUSHED.value and requires_confirmation(
        entitlement.mode, entitlement.verdict
    )


@dataclass(frozen=True)
class EntitlementLine:
    entitlement: Entitlement
    awaiting: bool
    overdue: bool

    @property
    def state_label(self) -> str:
        return self.entitlement.get_state_display()


def entitlement_lines(enterprise: Enterprise, today: dt.date) -> list[EntitlementLine]:
    return [
        EntitlementLine(e, awaits_confirmation(e), awaits_confirmation(e) and is_overdue(e.due_on, today))
        for e in own_entitlements(enterprise)
    ]


def conditions_to_confirm(entitlement: Entitlement) -> list[str]:
    """What the enterprise must tick: the conditions the match could not check, as matched; the
    item's manual conditions when the match left none (a 快申快享 item that was fully eligible still
    asks the enterprise to stand behind its data)."""
    listed = [str(t) for t in entitlement.to_confirm if str(t).strip()]
    if listed:
        return listed
    return [str(t) for t in entitlement.item.manual_conditions if str(t).strip()]


def card_batch_enterprises(
    scope: QuerySet[Enterprise], *, district: Any = None, awaiting_only: bool = False
) -> QuerySet[Enterprise]:
    """Enterprises whose cards the office prints together, in USCC order: of one district, and when
    asked only those with an item waiting for their confirmation."""
    chosen = scope.select_related("district")
    if district is not None:
        chosen = chosen.filter(district=district)
    if awaiting_only:
        waiting = Entitlement.objects.filter(state=State.PUSHED.value).exclude(
            mode="免申即享", verdict="eligible"
        )
        chosen = chosen.filter(pk__in=waiting.values("enterprise_id"))
    return chosen.order_by("uscc")


# ==================================================================================================
# 公示 (public): only public columns
# ==================================================================================================

PUBLIC_COLUMNS = (
    "pk",
    "enterprise__name",
    "enterprise__uscc",
    "item__title",
    "item__article",
    "item__policy__title",
    "department",
    "amount_fen",
)


def notice_status(notice: PublicNotice, today: dt.date) -> str:
    if today < notice.starts_on:
        return "未开始"
    if today > notice.ends_on:
        return "公示期已结束"
    return "公示中"


def is_open_for_objections(notice: PublicNotice, today: dt.date) -> bool:
    return notice.starts_on <= today <= notice.ends_on


def public_notices() -> QuerySet[PublicNotice]:
    return PublicNotice.objects.select_related("district").annotate(row_count=Count("entitlements"))


def public_rows(notice: PublicNotice) -> list[dict[str, Any]]:
    """The rows of a 公示: enterprise name, USCC, item, department and amount, nothing else."""
    return list(notice.entitlements.order_by("enterprise__uscc", "item_key", "pk").values(*PUBLIC_COLUMNS))


# ==================================================================================================
# 政策库 (public): current items, searchable by keyword, tag, industry and department
# ==================================================================================================

INDUSTRY_FIELDS = ("industry_section", "industry_division", "industry_code")


@dataclass(frozen=True)
class LibraryItem:
    row: RewardItem
    sections: frozenset[str] | None  # GB/T 4754 门类 letters the item is open to; None: every industry

    @property
    def department(self) -> str:
        return self.row.department or "营商办"

    def matches(self, words: list[str], tag: str, industry: str, department: str) -> bool:
        if tag and tag not in self.row.tags:
            return False
        if department and self.department != department:
            return False
        if industry and self.sections is not None and industry not in self.sections:
            return False
        text = self.search_text
        return all(word in text for word in words)

    @property
    def section_labels(self) -> list[str]:
        """'C 制造业' for each 门类 the item is open to (empty: every industry)."""
        return [f"{code} {industry_name(code)}" for code in sorted(self.sections or ())]

    @property
    def search_text(self) -> str:
        row = self.row
        parts = [
            row.title,
            row.article,
            row.sentence,
            row.amount_sentence,
            row.policy.title,
            row.policy.doc_no,
        ]
        parts += [row.policy.issuer, self.department, row.mode, *row.tags, *row.manual_conditions]
        return " ".join(str(p) for p in parts).lower()


def _section_of_code(code: object) -> str:
    text = str(code).strip().upper()
    if len(text) == 1 and text.isalpha():
        return text
    return section_of(text)


def industry_sections(row: RewardItem, conditions: ast.Node | None) -> frozenset[str] | None:
    """The 门类 an item is open to: its listed industries, else an industry condition every
    enterprise must meet (a top-level AND leaf naming sections, divisions or codes); None when the
    item does not restrict industry."""
    listed = {s for s in (_section_of_code(c) for c in row.industries) if s}
    if listed:
        return frozenset(listed)
    if conditions is None:
        return None
    required = conditions.children if isinstance(conditions, ast.AllOf) else (conditions,)
    found: set[str] | None = None
    for leaf in required:
        codes: tuple[object, ...] = ()
        if isinstance(leaf, ast.Member) and leaf.field in INDUSTRY_FIELDS and not leaf.negated:
            codes = leaf.values
        elif isinstance(leaf, ast.Compare) and leaf.field in INDUSTRY_FIELDS and leaf.op == "eq":
            codes = (leaf.value,)
        if codes:
            these = {s for s in (_section_of_code(c) for c in codes) if s}
            found = these if found is None else found & these
    return frozenset(found) if found is not None else None


def library_items(as_of: dt.date | None = None) -> list[LibraryItem]:
    """Items of the working packs in force today (only current versions)."""
    return [
        LibraryItem(current.row, industry_sections(current.row, current.item.conditions))
        for current in policy_services.current_items(as_of)
    ]


def search_library(
    items: list[LibraryItem], *, q: str = "", tag: str = "", industry: str = "", department: str = ""
) -> list[LibraryItem]:
    words = [w.lower() for w in q.split() if w]
    return [item for item in items if item.matches(words, tag, industry.upper(), department)]


def industry_choices() -> list[tuple[str, str]]:
    return [(s.code, f"{s.code} {s.name}") for s in sections()]


def industry_name(code: str) -> str:
    entry = industry_table().get(code)
    return entry.name if entry else code


def current_library_item(pk: int) -> LibraryItem:
    for item in library_items():
        if item.row.pk == pk:
            return item
    raise Http404("该奖补事项不是现行版本，或不存在")
