from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "yingshang.demo"
    verbose_name = "演示区县"
