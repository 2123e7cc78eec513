from django.apps import AppConfig

from yingshang.core import audit


class WorkdaysConfig(AppConfig):
    name = "yingshang.workdays"
    verbose_name = "工作日历"

    def ready(self) -> None:
        # imported in ready(): models need the app registry, which is ready only now
        from yingshang.workdays.models import HolidayEntry, HolidayYear

        # After registry's kinds in the audit log: INSTALLED_APPS lists registry first.
        audit.register("holiday_year", "节假日安排", HolidayYear)
        audit.register("holiday_entry", "节假日条目", HolidayEntry)
