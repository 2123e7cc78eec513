"""Registry's parts of pages other apps own: the figures on the home page (registered in core.slots)."""

from __future__ import annotations

from typing import Any

from yingshang.core.roles import Role
from yingshang.core.scope import scoped
from yingshang.registry.models import ImportBatch, User

RECENT_IMPORTS = 5


def home_figures(user: User) -> dict[str, Any]:
    """How many enterprises the user may see (and how many are active); the office admin also gets
    the latest imports; an enterprise user, their enterprise."""
    role = user.role_enum
    if role in (Role.OFFICE_ADMIN, Role.DEPT_STAFF, Role.INSPECTOR):
        entities = user.visible_enterprises()
        figures: dict[str, Any] = {
            "entity_count": entities.count(),
            "active_count": entities.filter(status="active").count(),
        }
        if role == Role.OFFICE_ADMIN:
            figures["recent_imports"] = scoped(ImportBatch.objects.all(), user)[:RECENT_IMPORTS]
        return figures
    if role == Role.ENTERPRISE:
        return {"enterprise": user.enterprise}
    return {}
