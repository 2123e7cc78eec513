from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "yingshang.core"
    verbose_name = "平台"
