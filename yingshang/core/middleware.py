"""Response headers the platform adds to every page."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
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


class RejectNulMiddleware:
    """A NUL character has no place in a path, a query or a form field; PostgreSQL refuses it in text
    and the page would fail with a server error. Answer 400 with a Chinese page before any view runs.
    The JSON API is left to its schemas, which name the parameter in a JSON 422."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            return self.get_response(request)
        if "\x00" in request.path or any("\x00" in value for value in _values(request)):
            return render(
                request,
                "400.html",
                {"message": "请求中含有不允许的字符（NUL），请检查输入后重试"},
                status=400,
            )
        return self.get_response(request)


def _values(request: HttpRequest) -> list[str]:
    values = [v for vs in request.GET.lists() for v in vs[1]]
    if request.method == "POST" and request.content_type != "multipart/form-data":
        values += [v for vs in request.POST.lists() for v in vs[1]]
    return values


class PasswordChangeRequired:
    """A person whose password an administrator set (a new account, a reset) chooses their own before
    anything else: every page but the password page and logging out leads there. The API is left alone:
    its tokens are not passwords."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            allowed = (reverse("password_change"), reverse("logout"))
            if request.path not in allowed and not request.path.startswith(("/api/", "/static/")):
                messages.info(request, "管理员为您设置了临时密码，请先修改为您自己的密码")
                return redirect("password_change")
        return self.get_response(request)
