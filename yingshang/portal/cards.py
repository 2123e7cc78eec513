"""明白卡: the printable card with the enterprise's 企业码 as a QR code (inline SVG, no external asset)."""

from __future__ import annotations

from typing import Any

import segno
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from yingshang.portal import codes
from yingshang.registry.models import Enterprise

BATCH_LIMIT = 200  # cards on one page: enough for a street's visit, small enough to print at once


def qr_svg(url: str) -> SafeString:
    """The URL as an inline SVG QR code. Level M survives a worn or folded card."""
    qr = segno.make(url, error="m")
    # The SVG holds only path data computed from the URL and our own title: nothing to escape.
    return mark_safe(qr.svg_inline(scale=4, border=2, title="企业码二维码", omitsize=True))


def card_context(request: HttpRequest, enterprise: Enterprise) -> dict[str, Any]:
    code = codes.current_code(enterprise)
    url = request.build_absolute_uri(codes.enterprise_code_url(enterprise))
    return {
        "enterprise": enterprise,
        "code": code,
        "url": url,
        "qr": qr_svg(url),
        "expires_at": codes.expires_at(code),
        "expired": codes.is_expired(code),
    }
