"""Django admin for superusers (the platform operator). Daily work uses the Chinese pages."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from yingshang.registry.models import (
    ApiToken,
    Department,
    District,
    Enterprise,
    ImportBatch,
    Qualification,
    User,
)


class QualificationInline(admin.TabularInline):
    model = Qualification
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(SimpleHistoryAdmin):
    list_display = ["uscc", "name", "entity_type", "industry", "district", "scale", "credit_class", "status"]
    list_filter = ["entity_type", "district", "scale", "credit_class", "status"]
    search_fields = ["uscc", "name"]
    raw_id_fields = ["industry", "street"]
    inlines = [QualificationInline]


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "parent", "district"]
    list_filter = ["kind", "district"]
    search_fields = ["code", "name"]


@admin.register(User)
class YingshangUserAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "first_name", "role", "department", "enterprise", "is_active"]
    list_filter = ["role", "is_active", "department"]
    raw_id_fields = ["enterprise"]
    fieldsets = [
        *UserAdmin.fieldsets,
        ("营商角色", {"fields": ["role", "department", "enterprise", "phone"]}),
    ]


admin.site.register(District)
admin.site.register(ImportBatch)
admin.site.register(ApiToken)
admin.site.site_header = "营商环境服务平台 · 系统管理"
