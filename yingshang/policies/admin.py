"""Django admin for the platform operator: read-only views of stored pack versions and match runs.

Packs change only through `services.save_pack_version` (the 政策包 page or `yingshang policies`), which
validates them first; editing rows here would bypass that, so nothing here can be changed or added.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from yingshang.policies.models import MatchRun, Policy, PolicyPack, RewardItem


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PolicyInline(ReadOnly, admin.TabularInline):
    model = Policy
    fields = ["key", "title", "issuer", "doc_no", "valid_from", "valid_to", "version"]
    extra = 0


@admin.register(PolicyPack)
class PolicyPackAdmin(ReadOnly, SimpleHistoryAdmin):
    list_display = ["name", "title", "version", "is_working", "origin", "created_by", "created_at"]
    list_filter = ["is_working", "name"]
    search_fields = ["name", "title", "version"]
    inlines = [PolicyInline]


@admin.register(RewardItem)
class RewardItemAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["key", "title", "article", "mode", "version", "policy"]
    list_filter = ["mode", "policy__pack__is_working"]
    search_fields = ["key", "title"]


@admin.register(MatchRun)
class MatchRunAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "state",
        "as_of",
        "entity_count",
        "eligible_count",
        "needs_confirmation_count",
        "total_amount_fen",
        "created_at",
        "duration_ms",
    ]
    list_filter = ["kind", "state"]
    exclude = ["summary"]
