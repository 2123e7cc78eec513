"""Home page per role, and the error pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy

from yingshang.core import slots
from yingshang.core.permissions import AuthenticatedHttpRequest


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The role's home page: the to-dos and figures the apps registered in core.slots."""
    user = request.user
    role = user.role_enum
    context: dict[str, object] = {"role": role, "todos": slots.todos_for(user)}
    context.update(slots.figures_for(user))
    return render(request, f"core/home_{role.value or 'none'}.html", context)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else "您无权访问此页面"
    return render(request, "403.html", {"message": message}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


class PasswordChange(auth_views.PasswordChangeView):
    """Every user changes their own password here; the rules (length, kinds of characters, not like the
    user name, not a common password) are the validators in settings."""

    template_name = "core/password_change.html"
    success_url = reverse_lazy("home")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(**kwargs) | {"password_rules": password_validators_help_texts()}

    def form_valid(self, form: Any) -> HttpResponse:
        form.user.must_change_password = False  # saved with the new password by the form
        response = super().form_valid(form)
        messages.success(self.request, "密码已修改。")
        return response


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes' answer to a locked-out login: a Chinese page with status 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "core/locked_out.html", {"cooloff_minutes": minutes}, status=429)
