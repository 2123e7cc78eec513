"""Django admin: read-only. A card is reissued only on its 明白卡 page (codes.reissue_code), which
raises the version; editing the version here by hand could bring a revoked card back to life."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from yingshang.portal.models import EnterpriseCode


@admin.register(EnterpriseCode)
class EnterpriseCodeAdmin(SimpleHistoryAdmin):
    list_display = ["enterprise", "version", "issued_at", "issued_by"]
    search_fields = ["enterprise__uscc", "enterprise__name"]
    list_select_related = ["enterprise", "issued_by"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
