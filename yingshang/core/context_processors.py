"""The navigation bar: the rooms of the house, the ones not yet built shown as such."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

# (label, url name or None while the room is still being built, capability needed to see it)
NAVIGATION: list[tuple[str, str | None, str | None]] = [
    ("首页", "home", None),
    ("市场主体", "registry:enterprise_list", "registry.view"),
    ("本企业", "registry:my_enterprise", "registry.own_enterprise"),
    ("政策", "policies:library", "policies.view"),
    ("政策计算器", "policies:my_calculator", "policies.calculate_own"),
    ("诉求", None, None),
    ("监管", None, None),
    ("监测", None, None),
    ("督办", None, None),
    ("工作日历", "workdays:calendar", "calendar.view"),
    ("部门与人员", "departments", "departments.view"),
    ("名录导入", "registry:import_upload", "registry.import"),
    ("变更审计", "registry:audit_log", "audit.view"),
    ("接口令牌", "api_tokens:list", "api.tokens"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for label, url_name, capability in NAVIGATION:
        if capability and not user.can(capability):
            continue
        url = reverse(url_name) if url_name else None
        items.append({"label": label, "url": url, "active": _is_section_of(request.path, url)})
    return {"nav_items": items}


def _is_section_of(path: str, url: str | None) -> bool:
    """A nav entry is current on its own page and on every page below it (the home page only on itself)."""
    if url is None:
        return False
    return path == url if url == "/" else path.startswith(url)
