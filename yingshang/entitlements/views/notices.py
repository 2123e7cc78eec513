"""公示 lists and the objections raised against them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from yingshang.core import clock
from yingshang.core.access_log import record_access
from yingshang.core.masking import mask_name, mask_phone
from yingshang.core.permissions import capability_required
from yingshang.core.scope import scoped
from yingshang.entitlements import services as service
from yingshang.entitlements.forms import (
    ResolveObjectionForm,
)
from yingshang.entitlements.models import Objection, PublicNotice
from yingshang.entitlements.views.common import NOTICES_PAGE_SIZE, refused, visible
from yingshang.registry.models import User

# ==================================================================================================
# 公示 and objections
# ==================================================================================================


def notices_of(user: User) -> QuerySet[PublicNotice]:
    """City-level staff see every 公示; a district's staff those of their district or with its cases."""
    return scoped(PublicNotice.objects.all(), user)


def objections_of(user: User) -> QuerySet[Objection]:
    """Objections against the entitlements the user sees, and against the whole of their district's 公示."""
    return scoped(Objection.objects.all(), user)


@capability_required("entitlements.view")
def notice_list(request: HttpRequest) -> HttpResponse:
    notices = (
        notices_of(request.user)
        .select_related("district", "created_by")
        .annotate(
            case_count=Count("entitlements", distinct=True),
            open_count=Count("objections", filter=Q(objections__state="open"), distinct=True),
        )
        .order_by("-starts_on", "-pk")
    )
    page = Paginator(notices, NOTICES_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "today": clock.today()}
    return render(request, "entitlements/notice_list.html", context)


@capability_required("entitlements.view")
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    notice = get_object_or_404(notices_of(user).select_related("district", "created_by"), pk=pk)
    rows = (
        visible(user)
        .filter(notice=notice)
        .select_related("enterprise", "item")
        .order_by("enterprise__name", "item_key")
    )
    objections = objections_of(user).filter(notice=notice).select_related("entitlement__enterprise")
    manage = user.can("entitlements.manage")
    record_access(request, "contacts", notice, "异议人联系方式", unmasked=manage and objections.exists())
    context = {
        "notice": notice,
        "rows": rows,
        "objections": [
            {
                "o": o,
                "name": o.contact_name if manage else mask_name(o.contact_name),
                "phone": o.contact_phone if manage else mask_phone(o.contact_phone),
            }
            for o in objections
        ],
        "today": clock.today(),
    }
    return render(request, "entitlements/notice_detail.html", context)


def listed_choices(objection: Objection) -> list[tuple[int, str]] | None:
    """For an objection against the whole 公示: the listed entitlements the office may name."""
    if objection.entitlement_id is not None:
        return None
    rows = objection.notice.entitlements.select_related("enterprise", "item").order_by("enterprise__name")
    return [(e.pk, f"{e.enterprise.name} · {e.item.title}") for e in rows]


@capability_required("entitlements.view")
def objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One objection; the office decides it (uphold: the entitlement is rejected; dismiss: it goes on)."""
    user = request.user
    objection = get_object_or_404(
        objections_of(user).select_related(
            "notice", "entitlement__enterprise", "entitlement__item", "handled_by"
        ),
        pk=pk,
    )
    handler = user.can("entitlements.manage")
    listed = listed_choices(objection)
    form = ResolveObjectionForm(request.POST or None, listed=listed)
    if request.method == "POST":
        if not handler:
            raise PermissionDenied("公示异议由营商办处理")
        if form.is_valid():
            upheld = form.cleaned_data["decision"] == "uphold"
            named = form.cleaned_data.get("entitlement")
            try:
                service.resolve_objection(
                    objection,
                    by=user,
                    upheld=upheld,
                    resolution=form.cleaned_data["resolution"],
                    entitlement=objection.notice.entitlements.get(pk=named) if named else None,
                )
            except service.EntitlementRefused as exc:
                refused(request, exc)
            else:
                messages.success(
                    request,
                    "已认定异议成立，该事项审核不通过" if upheld else "已认定异议不成立",
                )
                return redirect("entitlements:objection_detail", pk=objection.pk)
    record_access(request, "contacts", objection, "异议人联系方式", unmasked=handler)
    context = {
        "o": objection,
        "name": objection.contact_name if handler else mask_name(objection.contact_name),
        "phone": objection.contact_phone if handler else mask_phone(objection.contact_phone),
        "form": form if handler and objection.state == "open" else None,
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "entitlements/objection_detail.html", context, status=status)


# ==================================================================================================
