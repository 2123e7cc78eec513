"""The department tree (部门与人员) and a person's role and department (staff.manage)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from yingshang.core.permissions import AuthenticatedHttpRequest, capability_required
from yingshang.core.scope import scoped
from yingshang.registry.forms import StaffForm
from yingshang.registry.models import Department, User


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
    return render(request, "registry/departments.html", {"rows": rows, "staff": staff})


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
    return render(request, "registry/staff_edit.html", {"form": form, "person": person})


# Mounted at /departments/ by yingshang/urls.py, without a namespace: every app's templates link to
# `departments` and `staff_edit`.
urlpatterns = [
    path("", departments, name="departments"),
    path("staff/<str:username>/", staff_edit, name="staff_edit"),
]
