from django.apps import AppConfig

from yingshang.core import slots


class WorkdaysConfig(AppConfig):
    name = "yingshang.workdays"
    verbose_name = "工作日历"

    def ready(self) -> None:
        slots.add_nav("工作日历", "workdays:calendar", "calendar.view", order=90)
