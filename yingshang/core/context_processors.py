"""The navigation bar: the entries the apps registered (core.slots), rooms not yet built greyed out."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from yingshang.core import slots


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    entries = []
    for entry in slots.nav_entries():
        if entry.capability and not user.can(entry.capability):
            continue
        entries.append((entry.label, reverse(entry.url_name) if entry.url_name else None))
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
