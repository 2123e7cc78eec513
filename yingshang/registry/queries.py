"""Enterprise list queries shared by the pages, the export and the API."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet

from yingshang.registry.models import Enterprise

USCC_PREFIX = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{2,18}$")


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
    """USCC prefix match that uses the index on both backends.

    PostgreSQL has a varchar_pattern_ops index for LIKE 'x%'; SQLite's LIKE is case-insensitive and
    skips the index, so there a binary range on the (upper-case, ASCII) code does the same job.
    """
    if connection.vendor == "sqlite":
        return Q(uscc__gte=prefix, uscc__lt=prefix + "\x7f")
    return Q(uscc__startswith=prefix)


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
        qs = qs.filter(qualifications__kind=f.qualification).distinct()
    return qs
