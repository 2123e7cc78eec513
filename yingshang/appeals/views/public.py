"""接诉即办 public pages: the form (web, 码上监督 QR links) and the requester's tracking link."""

from __future__ import annotations

import secrets
from typing import Any

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from yingshang.appeals import services
from yingshang.appeals.forms import (
    AppealForm,
    RatingForm,
    ServiceRatingForm,
)
from yingshang.appeals.workflow import State
from yingshang.registry.models import Department, District

# ==================================================================================================
# Public: the form and the tracking link
# ==================================================================================================


def _prefill(request: HttpRequest) -> dict[str, Any]:
    """What a 码上监督 QR link fills in: the district (?d=code) and the window or place (?place=)."""
    initial: dict[str, Any] = {"key": secrets.token_urlsafe(16)}
    code = request.GET.get("d", "").strip()
    if code and District.objects.filter(code=code).exists():
        initial["district"] = code
    place = request.GET.get("place", "").strip()[:200]
    if place:
        initial["place"] = place
    return initial


def appeal_new(request: HttpRequest) -> HttpResponse:
    """The public form: anyone may submit (anonymously, with a phone for the answer)."""
    form = AppealForm(request.POST or None, initial=_prefill(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            user = request.user if request.user.is_authenticated else None
            enterprise = user.enterprise if user is not None and user.can("appeals.own") else None
            try:
                appeal = services.submit_appeal(
                    services.NewAppeal(
                        kind=data["kind"],
                        title=data["title"],
                        text=data["text"],
                        district=data["district"],
                        requester_phone=data["requester_phone"],
                        requester_name=data["requester_name"],
                        anonymous=data["anonymous"],
                        place=data["place"],
                        about_staff=data["about_staff"],
                        channel="qr" if data["place"] and request.GET.get("place") else "web",
                        enterprise=enterprise,
                        idempotency_key=data["key"],
                        submitted_from=get_client_ip_address(request),
                        created_by=user,
                    )
                )
            except services.AppealRefused as exc:
                form.add_error(None, str(exc))
                status = 400
            else:
                return redirect("appeals:track", token=appeal.token)
        else:
            status = 400
    return render(request, "appeals/new.html", {"form": form}, status=status)


def track(request: HttpRequest, token: str) -> HttpResponse:
    """The requester's tracking page (the secret link): progress, the answer, and the rating form."""
    appeal = services.find_by_token(token)
    if appeal is None:
        raise Http404("没有这件诉求")
    form = RatingForm(request.POST or None) if appeal.state == State.REPLIED.value else None
    status = 200
    if request.method == "POST" and form is not None:
        if form.is_valid():
            try:
                services.rate_appeal(
                    appeal, rating=form.cleaned_data["rating"], reason=form.cleaned_data["reason"]
                )
            except services.AppealRefused as exc:
                form.add_error(None, str(exc))
                status = 400
            else:
                messages.success(request, "感谢您的评价。")
                return redirect("appeals:track", token=token)
        else:
            status = 400
    events = appeal.events.order_by("at", "id")
    return render(
        request,
        "appeals/track.html",
        {"appeal": appeal, "events": events, "form": form, "workdays_left": services.workdays_left(appeal)},
        status=status,
    )


def rate_service(request: HttpRequest) -> HttpResponse:
    """好差评 from a window's QR code (?d=district code&place=window&dept=department id)."""
    district = District.objects.filter(code=request.GET.get("d", "").strip()).first()
    if district is None:
        raise Http404("二维码不完整：缺少区县")
    department = (
        Department.objects.filter(pk=request.GET.get("dept") or 0, district=district, is_active=True).first()
        if (request.GET.get("dept") or "").isdigit()
        else None
    )
    place = request.GET.get("place", "").strip()[:200]
    form = ServiceRatingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                rating = services.rate_service(
                    district=district,
                    department=department,
                    place=place,
                    score=data["score"],
                    comment=data["comment"],
                    phone=data["phone"],
                    submitted_from=get_client_ip_address(request),
                )
            except services.AppealRefused as exc:
                form.add_error(None, str(exc))
                status = 400
            else:
                context = {"rating": rating, "district": district, "place": place, "department": department}
                return render(request, "appeals/rated.html", context)
        else:
            status = 400
    context = {"form": form, "district": district, "place": place, "department": department}
    return render(request, "appeals/rate.html", context, status=status)
