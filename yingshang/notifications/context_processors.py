"""The unread-message badge in the top bar, for enterprise users only.

Lazy: the COUNT runs only when a template shows the badge (full pages, not htmx fragments)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from yingshang.notifications.services import unread_count


def unread_messages(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.can("messages.own"):
        return {}
    enterprise = user.enterprise
    if enterprise is None:
        return {}
    return {"unread_message_count": SimpleLazyObject(lambda: unread_count(enterprise))}
