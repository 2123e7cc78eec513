"""Django admin: read-only, with history. Years are entered and confirmed on the 工作日历 page, which
checks them and bumps the calendar version; editing rows here would bypass both."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from yingshang.workdays.models import HolidayEntry, HolidayYear


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(HolidayYear)
class HolidayYearAdmin(ReadOnlyHistoryAdmin):
    list_display = ["year", "notice_number", "notice_title", "is_confirmed", "revision", "confirmed_at"]


@admin.register(HolidayEntry)
class HolidayEntryAdmin(ReadOnlyHistoryAdmin):
    list_display = ["date", "kind", "name", "holiday_year"]
    list_filter = ["holiday_year", "kind"]
