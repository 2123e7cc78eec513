"""Enterprise list queries shared by the pages, the export and the API."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from yingshang.registry.models import Enterprise, Qualification

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: digits and letters but I, O, S, V, Z
USCC_PREFIX = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{2,18}$")
# A list page counts at most this many matches: past it the exact number helps nobody, and counting
# every match of a broad filter over a million rows costs more than the rest of the page.
COUNT_LIMIT = 10_000


@dataclass
class EnterpriseFilters:
    q: str = ""
    section: str = ""
    district: str = ""
    scale: str = ""
    qualification: str = ""
    credit_class: str = ""
    status: str = ""
    entity_type: str = ""

    @classmethod
    def from_params(cls, params: dict[str, str]) -> EnterpriseFilters:
        return cls(**{name: (params.get(name) or "").strip() for name in cls.__dataclass_fields__})


def uscc_prefix_q(prefix: str) -> Q:
    """USCC prefix match as a range on the code, which the ordinary unique index answers in order.

    A range, not LIKE 'x%': PostgreSQL can use a b-tree for LIKE only with a C collation or a
    pattern_ops index, and a pattern_ops index cannot give ORDER BY uscc, so a broad prefix walked the
    whole index; SQLite's LIKE is case-insensitive and skips the index. Codes use only USCC_ALPHABET, in
    which digits sort before letters in every collation, so [prefix, successor) is exactly the prefix.
    """
    upper = _successor(prefix)
    return Q(uscc__gte=prefix, uscc__lt=upper) if upper else Q(uscc__gte=prefix)


def _successor(prefix: str) -> str | None:
    """The first code-alphabet string after every string that starts with prefix (None: no bound)."""
    chars = list(prefix)
    while chars:
        position = USCC_ALPHABET.index(chars[-1]) + 1
        if position < len(USCC_ALPHABET):
            chars[-1] = USCC_ALPHABET[position]
            return "".join(chars)
        chars.pop()
    return None


def filter_enterprises(qs: QuerySet[Enterprise], f: EnterpriseFilters) -> QuerySet[Enterprise]:
    if f.q:
        text = f.q.upper()
        qs = qs.filter(uscc_prefix_q(text)) if USCC_PREFIX.match(text) else qs.filter(name__contains=f.q)
    if f.section:
        qs = qs.filter(industry_section=f.section)
    if f.district:
        qs = qs.filter(district__code=f.district)
    if f.scale:
        qs = qs.filter(scale="" if f.scale == "unknown" else f.scale)
    if f.credit_class:
        qs = qs.filter(credit_class=f.credit_class)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.entity_type:
        qs = qs.filter(entity_type=f.entity_type)
    if f.qualification:
        # A semi-join on the holders, not a join + DISTINCT, which compared every column (the JSON
        # provenance too) of thousands of rows. IN rather than EXISTS: SQLite then starts from the
        # few holders instead of probing every entity; PostgreSQL plans both the same way.
        holders = Qualification.objects.filter(kind=f.qualification).values("enterprise_id")
        qs = qs.filter(pk__in=holders)
    return qs


class CappedCountPaginator(Paginator):
    """Pages of a list whose count stops at `limit`: the page says 超过 10,000 条 past it.

    The last reachable page is limit / per_page; narrowing the filters reaches the rest.
    """

    limit = COUNT_LIMIT

    @cached_property
    def matches(self) -> int:
        """Matches counted up to limit + 1 (COUNT over a LIMIT subquery, so it stops early)."""
        rows = self.object_list
        if isinstance(rows, QuerySet):
            # The order matters for the page, not for the count.
            return rows.order_by()[: self.limit + 1].count()
        return len(rows[: self.limit + 1])

    @cached_property
    def count(self) -> int:
        return min(self.matches, self.limit)

    @property
    def is_capped(self) -> bool:
        return self.matches > self.limit

    @property
    def limit_label(self) -> str:
        return f"{self.limit:,}"  # 10,000: the zh-hans locale would group by four digits

    def page(self, number: int | str) -> Page:
        """Sort and skip narrow rows (keys only), then read the page's full rows: a deep page or a sort of
        thousands of matches no longer drags every wide row (the JSON provenance too) through the sort."""
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(rows.values_list("pk", flat=True)[bottom:top])
        found = rows.order_by().in_bulk(keys)
        return self._get_page([found[key] for key in keys if key in found], number, self)  # type: ignore[attr-defined]
