"""部门与人员: the department tree, and the people and departments an administrator manages from here,
never through the Django admin (staff.manage: accounts, roles, departments; staff.passwords: passwords,
lockouts, API tokens). Everything is within the administrator's reach (core.scope): another district's
people and departments are a 404."""

from __future__ import annotations

from axes.models import AccessAttempt
from axes.utils import reset as reset_lockout
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from yingshang.core import clock
from yingshang.core.passwords import one_time_password
from yingshang.core.permissions import AuthenticatedHttpRequest, capability_required
from yingshang.core.scope import scoped
from yingshang.registry.forms import DepartmentForm, PasswordSetForm, StaffCreateForm, StaffForm
from yingshang.registry.models import ApiToken, Department, User


@capability_required("departments.view")
def departments(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The department tree (市/区/部门/科室) in the office's order, with the number of staff in each: a
    district's user sees the city's departments above it and its own district's; the people it may
    manage (staff.manage) or whose passwords it keeps (staff.passwords)."""
    user = request.user
    visible = scoped(Department.objects.all(), user)
    nodes = list(visible.select_related("district").annotate(staff_count=Count("staff")))
    editable = set(scoped(Department.objects.all(), user, "change").values_list("pk", flat=True))
    children: dict[int | None, list[Department]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    rows: list[tuple[int, Department, bool]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for node in sorted(children.get(parent_id, []), key=lambda d: (d.order, d.pk)):
            rows.append((depth, node, node.pk in editable))
            walk(node.pk, depth + 1)

    walk(None, 0)
    manage, passwords = user.can("staff.manage"), user.can("staff.passwords")
    staff = None
    if manage or passwords:
        staff = (
            scoped(User.objects.all(), user, "change")
            .select_related("department", "enterprise")
            .order_by("department__order", "department__pk", "first_name", "username")
        )
    context = {"rows": rows, "staff": staff, "manage": manage, "passwords": passwords}
    return render(request, "registry/departments.html", context)


def _person(request: AuthenticatedHttpRequest, username: str) -> User:
    """One person within the administrator's reach; anyone else (another district's) is a 404."""
    return get_object_or_404(
        scoped(User.objects.all(), request.user, "change").select_related("department", "enterprise"),
        username=username,
    )


@capability_required("staff.manage")
def staff_edit(request: AuthenticatedHttpRequest, username: str) -> HttpResponse:
    """One person's name, role, department and enterprise; only people in the editor's reach (another
    district's staff are a 404), and only roles and departments the editor may grant."""
    person = _person(request, username)
    form = StaffForm(request.POST or None, instance=person, granter=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"已更新 {person.display_name} 的角色与所属部门，变更已记入审计记录")
        return redirect("departments")
    return render(request, "registry/staff_edit.html", {"form": form, "person": person})


def _password_shown_once(request: AuthenticatedHttpRequest, person: User, password: str) -> HttpResponse:
    # Rendered in the answer to the POST itself, never stored or redirected to: shown this once only.
    response = render(request, "registry/staff_password_done.html", {"person": person, "password": password})
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@capability_required("staff.manage")
def staff_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new account: staff of a department within reach, or an enterprise user of an enterprise in
    the district. It gets a one-time password (or one the administrator sets) to change at first login."""
    form = StaffCreateForm(request.POST or None, granter=request.user)
    password_form = PasswordSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_form.person = form.instance
        if password_form.is_valid():
            password = password_form.cleaned_data["password"] or one_time_password()
            with transaction.atomic():
                person = form.save(commit=False)
                person.set_password(password)
                person.must_change_password = True
                person.save()
            name = f"{person.display_name}（{person.username}）"
            messages.success(request, f"已新建账号 {name}，已记入审计记录")
            return _password_shown_once(request, person, password)
    context = {"form": form, "password_form": password_form, "rules": PasswordSetForm.rules()}
    return render(request, "registry/staff_add.html", context)


@capability_required("staff.manage")
@require_POST
def staff_activation(request: AuthenticatedHttpRequest, username: str) -> HttpResponse:
    """停用 / 启用 an account. A deactivated person can no longer log in or use the API; nothing they did
    is deleted. Nobody deactivates themselves (a district would lose its last administrator)."""
    person = _person(request, username)
    activate = request.POST.get("active") == "1"
    if not activate and person.pk == request.user.pk:
        messages.error(request, "不能停用自己的账号")
        return redirect("departments")
    person.is_active = activate
    person.save(update_fields=["is_active"])
    messages.success(request, f"已{'启用' if activate else '停用'}账号 {person.display_name}，已记入审计记录")
    return redirect("departments")


def _lockout(person: User) -> dict[str, int]:
    failures = AccessAttempt.objects.filter(username=person.username).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return {"failures": failures or 0, "limit": settings.AXES_FAILURE_LIMIT}


@never_cache
@capability_required("staff.passwords")
def staff_password(request: AuthenticatedHttpRequest, username: str) -> HttpResponse:
    """Reset a person's password: a one-time password shown once, or one the administrator sets; the
    person must change it at the next login. Also shows the failed logins that may have locked them out."""
    person = _person(request, username)
    form = PasswordSetForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["password"] or one_time_password()
        person.set_password(password)
        person.must_change_password = True
        person.save(update_fields=["password", "must_change_password"])
        reset_lockout(username=person.username)  # a new password ends the lockout it was asked for
        messages.success(request, f"已重置 {person.display_name} 的密码，下次登录时须修改")
        return _password_shown_once(request, person, password)
    context = {
        "form": form,
        "person": person,
        "rules": PasswordSetForm.rules(),
        "tokens": _live_tokens(person),
        **_lockout(person),
    }
    return render(request, "registry/staff_password.html", context)


@capability_required("staff.passwords")
@require_POST
def staff_unlock(request: AuthenticatedHttpRequest, username: str) -> HttpResponse:
    """解除锁定: forget the failed logins of an account locked out after too many (django-axes)."""
    person = _person(request, username)
    reset_lockout(username=person.username)
    messages.success(request, f"已解除 {person.display_name} 的登录锁定")
    return redirect("staff_password", username=person.username)


def _live_tokens(person: User) -> list[ApiToken]:
    return [t for t in ApiToken.objects.filter(user=person, revoked_at__isnull=True) if not t.is_expired]


@capability_required("staff.passwords")
@require_POST
def staff_tokens_revoke(request: AuthenticatedHttpRequest, username: str) -> HttpResponse:
    """吊销接口令牌: every live API token of an account whose credentials may have leaked."""
    person = _person(request, username)
    revoked = ApiToken.objects.filter(user=person, revoked_at__isnull=True).update(revoked_at=clock.now())
    messages.success(request, f"已吊销 {person.display_name} 的 {revoked} 个接口令牌")
    return redirect("staff_password", username=person.username)


@capability_required("staff.manage")
def department_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    """Add a department, or change one's name, parent, order and whether it is in use; only within the
    editor's reach (a district: its own departments; the city's shown above it are not its to change)."""
    department = None
    if pk is not None:
        department = get_object_or_404(scoped(Department.objects.all(), request.user, "change"), pk=pk)
    form = DepartmentForm(request.POST or None, instance=department, editor=request.user)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        verb = "新建" if department is None else "更新"
        messages.success(request, f"已{verb}部门“{saved.name}”，已记入审计记录")
        return redirect("departments")
    return render(request, "registry/department_edit.html", {"form": form, "department": department})


# Mounted at /departments/ by yingshang/urls.py, without a namespace: every app's templates link to
# `departments` and `staff_edit`.
urlpatterns = [
    path("", departments, name="departments"),
    path("new/", department_edit, name="department_add"),
    path("<int:pk>/", department_edit, name="department_edit"),
    path("add-staff/", staff_add, name="staff_add"),
    path("staff/<str:username>/", staff_edit, name="staff_edit"),
    path("staff/<str:username>/active/", staff_activation, name="staff_activation"),
    path("staff/<str:username>/password/", staff_password, name="staff_password"),
    path("staff/<str:username>/unlock/", staff_unlock, name="staff_unlock"),
    path("staff/<str:username>/tokens/revoke/", staff_tokens_revoke, name="staff_tokens_revoke"),
]
