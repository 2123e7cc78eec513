"""The 接口令牌 page: a user lists, issues and revokes their own API tokens.

Only a token's SHA-256 is stored, so its key can be shown exactly once: in the response to the POST
that issued it (rendered directly rather than redirected, so the key never goes into a session).
Another user's token is a 404 here, the same as one that does not exist.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from yingshang.core import clock
from yingshang.core.permissions import AuthenticatedHttpRequest, capability_required
from yingshang.registry.models import ApiToken, User

MAX_ACTIVE_TOKENS = 10

app_name = "api_tokens"


class IssueTokenForm(forms.Form):
    name = forms.CharField(
        label="用途",
        max_length=100,
        help_text="写明令牌给谁、做什么用，例如“区数据平台每日同步”",
        error_messages={"required": "请填写令牌用途", "max_length": "用途不能超过 100 个字符"},
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if "\x00" in name:
            raise forms.ValidationError("用途中含有不可见的控制字符")
        return name


def active_tokens(user: User) -> QuerySet[ApiToken]:
    """Neither revoked nor expired: the ones that count towards the limit."""
    now = clock.now()
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def _render_page(
    request: AuthenticatedHttpRequest, form: IssueTokenForm, new_key: str | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(user=request.user).order_by("revoked_at", "-created_at"),
        "new_key": new_key,
        "max_active": MAX_ACTIVE_TOKENS,
    }
    response = render(request, "registry/api_tokens.html", context, status=status)
    # The page may carry a fresh key: no browser or proxy may keep a copy.
    response["Cache-Control"] = "no-store"
    return response


@capability_required("api.tokens")
@require_http_methods(["GET", "POST"])
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_page(request, IssueTokenForm())
    form = IssueTokenForm(request.POST)
    if not form.is_valid():
        return _render_page(request, form, status=400)
    with transaction.atomic():
        # Lock the user's row so two simultaneous requests cannot both pass the limit.
        User.objects.select_for_update().filter(pk=request.user.pk).first()
        if active_tokens(request.user).count() >= MAX_ACTIVE_TOKENS:
            form.add_error(None, f"每个账号最多保留 {MAX_ACTIVE_TOKENS} 个有效令牌，请先吊销不再使用的令牌")
            return _render_page(request, form, status=400)
        _, key = ApiToken.issue(request.user, form.cleaned_data["name"])
    return _render_page(request, IssueTokenForm(), new_key=key)


@capability_required("api.tokens")
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        messages.success(
            request, f"令牌“{token.name}”（{token.prefix}…）已吊销，使用它的程序将无法再访问接口"
        )
    return redirect("api_tokens:list")


urlpatterns = [
    path("", token_list, name="list"),
    path("<int:pk>/revoke/", token_revoke, name="revoke"),
]
