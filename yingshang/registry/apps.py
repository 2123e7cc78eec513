from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "yingshang.registry"
    verbose_name = "市场主体名录"
