from django.apps import AppConfig

from yingshang.core import slots


class WorkdaysConfig(AppConfig):
    name = "yingshang.workdays"
    verbose_name = "工作日历"

    def ready(self) -> None:
        slots.add_nav("工作日历", "workdays:calendar", "calendar.view", order=90)
        # Imported in ready(): models exist once apps are loaded.
        from yingshang.workdays.models import HolidayEntry, HolidayYear

        # In the audit log after registry's kinds: INSTALLED_APPS lists registry first.
        slots.add_audited("holiday_year", "节假日安排", HolidayYear)
        slots.add_audited("holiday_entry", "节假日条目", HolidayEntry)
