"""码上监督: printable QR codes that open the public form with the district and place filled in."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from yingshang.core.permissions import AuthenticatedHttpRequest, capability_required
from yingshang.core.scope import scoped
from yingshang.registry.models import Department, District

QR_PLACES_LIMIT = 60  # codes on one printable page


def qr_svg(url: str, title: str) -> SafeString:
    """The URL as an inline SVG QR code (level M survives a worn sticker)."""
    qr = segno.make(url, error="m")
    # The SVG holds only path data computed from the URL and a title we escape: nothing else to escape.
    return mark_safe(qr.svg_inline(scale=4, border=2, title=escape(title), omitsize=True))


@capability_required("appeals.dispatch")
def qr_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """码上监督: a printable QR code per department (一窗一码 for any window typed in) that opens the
    public form with the district and the place filled in."""
    user = request.user
    districts = District.objects.order_by("code")
    if user.jurisdiction is not None:
        districts = districts.filter(pk=user.jurisdiction.pk)
    district = districts.filter(code=request.GET.get("d", "")).first() or districts.first()
    places: list[tuple[str, int | None]] = []
    if district is not None:
        departments = scoped(
            Department.objects.filter(district=district, is_active=True, kind="department"), user
        )
        places = [(d.name, d.pk) for d in departments.order_by("order", "pk")]
    extra = [
        (line.strip()[:100], None) for line in request.GET.get("places", "").splitlines() if line.strip()
    ]
    codes = []
    for place, department_id in [*extra, *places][:QR_PLACES_LIMIT]:
        query = {"d": district.code, "place": place}
        url = request.build_absolute_uri(f"{reverse('appeals:new')}?{urlencode(query)}")
        rating = {**query, **({"dept": department_id} if department_id else {})}
        rate_url = request.build_absolute_uri(f"{reverse('appeals:rate')}?{urlencode(rating)}")
        codes.append(
            {
                "place": place,
                "url": url,
                "qr": qr_svg(url, f"{place} 码上监督"),
                "rate_qr": qr_svg(rate_url, f"{place} 服务评价"),
            }
        )
    context = {
        "districts": districts,
        "district": district,
        "codes": codes,
        "places": request.GET.get("places", ""),
    }
    return render(request, "appeals/codes.html", context)
