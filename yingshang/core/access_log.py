"""Views and downloads of personal data are recorded (等保: audit of access to personal information).

One helper, called by a view after it has decided the reader may see the data and just before it shows
or sends it: a refused try never reaches the call, so it records nothing.

    record_access(request, "payment_file", batch)
    record_access(request, "registry_export", detail=request.GET.urlencode())
    record_access(request, "contacts", entitlement, unmasked=manage)
"""

from __future__ import annotations

from typing import Any

from axes.helpers import get_client_ip_address
from django.db import models
from django.http import HttpRequest

from yingshang.core.models import ACCESS_KINDS, AccessRecord
from yingshang.core.scope import Owned, rule_of, scope_of

KINDS = dict(ACCESS_KINDS)


def record_access(
    request: HttpRequest,
    what: str,
    obj: models.Model | None = None,
    detail: str = "",
    *,
    unmasked: bool = True,
) -> AccessRecord | None:
    """Record that the request's user viewed or downloaded personal data (`what`, one of ACCESS_KINDS),
    of `obj` or selected by `detail` (the filters). Nothing is recorded when `unmasked` is false: the
    reader saw the masked form only."""
    if not unmasked:
        return None
    if what not in KINDS:
        raise ValueError(f"unknown access kind: {what}")
    user = request.user if request.user.is_authenticated else None
    district = _district_of(obj) if obj is not None else None
    if district is None:
        district = scope_of(user).district_id
    return AccessRecord.objects.create(
        user=user,
        user_label=_label(user),
        what=what,
        object_type=str(obj._meta.verbose_name) if obj is not None else "",
        object_pk=str(obj.pk) if obj is not None else "",
        object_label=str(obj)[:300] if obj is not None else "",
        detail=detail,
        address=get_client_ip_address(request) or None,
        district_pk=district,
    )


def _label(user: Any) -> str:
    if user is None:
        return "未登录访客"
    name = user.get_full_name()
    return f"{name}（{user.username}）" if name else user.username


def _district_of(obj: models.Model) -> int | None:
    """The district whose data `obj` is, along the district path its model declares (core.scope)."""
    rule = rule_of(type(obj))
    if not isinstance(rule, Owned) or rule.district is None:
        return None
    paths = (rule.district,) if isinstance(rule.district, str) else rule.district
    for path in paths:
        value: Any = obj
        for part in path.split("__"):
            value = getattr(value, part, None)
            if value is None or isinstance(value, models.Manager):
                value = None
                break
        if value is not None:
            return int(value.pk) if isinstance(value, models.Model) else int(value)
    return None


def describe_query(params: Any) -> str:
    """A page's filters as a person reads them ("q=螺栓；district=2"), not percent-encoded."""
    parts = [
        f"{key}={value}" for key, values in params.lists() for value in values if value and key != "page"
    ]
    return "；".join(parts) or "（无筛选，全部）"
