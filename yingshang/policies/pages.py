"""政策找企业's parts of pages that other apps own: the 政策计算器 summary on the enterprise page
(企业画像, registry's page; registered with core.slots in apps.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from yingshang.policies import services
from yingshang.registry.models import Enterprise

SECTION_TEMPLATE = "policies/_enterprise_section.html"


def enterprise_section(request: HttpRequest, enterprise: Enterprise) -> dict[str, Any]:
    """The 政策计算器 summary on the enterprise page (企业画像): counts by verdict, total payable,
    the items paying most, and the link to the full calculator. Empty for users who may not see it."""
    user = request.user
    if user.can("policies.view") and user.visible_enterprises().filter(pk=enterprise.pk).exists():
        link = reverse("policies:calculator", args=[enterprise.uscc])
    elif user.can("policies.calculate_own") and user.enterprise_id == enterprise.pk:
        link = reverse("policies:my_calculator")
    else:
        return {}
    return {"policy_section": services.policy_section(enterprise, link)}
