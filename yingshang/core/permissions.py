"""Capability checks for views. Anonymous visitors go to the login page; others get a Chinese 403.

`city_level` marks a function of the whole city (core.scope decides who is city-level)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from yingshang.core.scope import require_city_level

if TYPE_CHECKING:
    from yingshang.registry.models import User

View = Callable[..., HttpResponse]


class AuthenticatedHttpRequest(HttpRequest):
    """For type checking only: the request of a view behind `login_required` or `capability_required`,
    whose `user` is a signed-in User rather than possibly AnonymousUser."""

    user: User


def capability_required(*capabilities: str) -> Callable[[View], View]:
    """Allow the view when the user holds any of the named capabilities (see core.roles)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(user.can(c) for c in capabilities):
                raise PermissionDenied("您的角色无权访问此页面")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def city_level(*capabilities: str) -> Callable[[View], View]:
    """A function of the whole city (the calendar, policy packs, city-wide runs, budgets of all
    districts): the user holds one of the capabilities and is city-level staff. Anonymous visitors go to
    the login page; a district's user gets a Chinese 403 saying why."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require_city_level(request.user, *capabilities)
            return view(request, *args, **kwargs)

        wrapper.city_level = True  # type: ignore[attr-defined]
        return wrapper

    return decorator
