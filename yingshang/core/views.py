"""Home page per role, and the error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yingshang.core import homepage


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The role's home page, with the figures and to-do lines the apps registered (core.homepage)."""
    user = request.user
    role = user.role_enum
    context: dict[str, object] = {"role": role, "todos": homepage.todos_for(user)}
    context.update(homepage.figures_for(user))
    return render(request, f"core/home_{role.value or 'none'}.html", context)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else "您无权访问此页面"
    return render(request, "403.html", {"message": message}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
