"""Home page per role, and the error pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy

from yingshang.core import slots
from yingshang.core.forms import StaffForm
from yingshang.core.permissions import AuthenticatedHttpRequest, capability_required
from yingshang.core.roles import Role
from yingshang.core.scope import scoped
from yingshang.registry.models import Department, ImportBatch, User


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    role = user.role_enum
    context: dict[str, object] = {"role": role, "todos": slots.todos_for(user)}
    if role in (Role.OFFICE_ADMIN, Role.DEPT_STAFF, Role.INSPECTOR):
        entities = user.visible_enterprises()
        context["entity_count"] = entities.count()
        context["active_count"] = entities.filter(status="active").count()
        if role == Role.OFFICE_ADMIN:
            context["recent_imports"] = scoped(ImportBatch.objects.all(), user)[:5]
    elif role == Role.ENTERPRISE:
        context["enterprise"] = user.enterprise
    return render(request, f"core/home_{role.value or 'none'}.html", context)


@capability_required("departments.view")
def departments(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The department tree (市/区/部门/科室) with the number of staff in each: a district's user sees the
    city's departments above it and its own district's; the staff it may manage (staff.manage)."""
    visible = scoped(Department.objects.all(), request.user)
    nodes = list(visible.select_related("district").annotate(staff_count=Count("staff")))
    children: dict[int | None, list[Department]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    rows: list[tuple[int, Department]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for node in sorted(children.get(parent_id, []), key=lambda d: d.code):
            rows.append((depth, node))
            walk(node.pk, depth + 1)

    walk(None, 0)
    staff = None
    if request.user.can("staff.manage"):
        staff = (
            scoped(User.objects.all(), request.user, "change")
            .select_related("department", "enterprise")
            .order_by("department__code", "username")
        )
    return render(request, "core/departments.html", {"rows": rows, "staff": staff})


@capability_required("staff.manage")
def staff_edit(request: AuthenticatedHttpRequest, username: str) -> HttpResponse:
    """One person's role, department and enterprise; only people in the editor's reach (another
    district's staff are a 404), and only roles and departments the editor may grant."""
    person = get_object_or_404(scoped(User.objects.all(), request.user, "change"), username=username)
    form = StaffForm(request.POST or None, instance=person, granter=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"已更新 {person.username} 的角色与所属部门，变更已记入审计记录")
        return redirect("departments")
    return render(request, "core/staff_edit.html", {"form": form, "person": person})


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
        response = super().form_valid(form)
        messages.success(self.request, "密码已修改。")
        return response


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes' answer to a locked-out login: a Chinese page with status 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "core/locked_out.html", {"cooloff_minutes": minutes}, status=429)
