from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "yingshang.workdays"
    verbose_name = "工作日历"
