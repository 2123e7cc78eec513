from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "yingshang.notifications"
    verbose_name = "精准推送"
