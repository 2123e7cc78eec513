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
    ("政策兑现", "entitlements:entitlement_list", "entitlements.view"),
    ("企业码", "portal:home", "entitlements.own"),
    ("政策计算器", "policies:my_calculator", "policies.calculate_own"),
    ("明白卡", "portal:card_index", "entitlements.manage"),
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
    entries = []
    for label, url_name, capability in NAVIGATION:
        if capability and not user.can(capability):
            continue
        entries.append((label, reverse(url_name) if url_name else None))
    current = _current_section(request.path, [url for _, url in entries])
    items = [
        {"label": label, "url": url, "active": url is not None and url == current} for label, url in entries
    ]
    return {"nav_items": items}


def _current_section(path: str, urls: list[str | None]) -> str | None:
    """The entry a page belongs to: the longest url the path starts with (政策兑现 under /policies/
    entitlements/ wins over 政策 at /policies/); the home page only on itself."""

    def contains(url: str) -> bool:
        return path == url if url == "/" else path.startswith(url)

    return max((url for url in urls if url is not None and contains(url)), key=len, default=None)
