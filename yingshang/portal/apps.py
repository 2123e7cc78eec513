from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "yingshang.portal"
    verbose_name = "企业与公众页面"
