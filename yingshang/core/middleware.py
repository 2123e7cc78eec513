"""Response headers the platform adds to every page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Pages seen by a logged-in user or an enterprise's code session show personal data (names, phones,
    accounts, amounts): no browser or proxy may keep a copy (`Cache-Control: no-store`). Public pages
    and static files are left cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        personal = (user is not None and user.is_authenticated) or (
            session is not None and bool(session.keys())
        )
        if personal:
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        return response
