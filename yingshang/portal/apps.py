from django.apps import AppConfig

from yingshang.core import slots


class PortalConfig(AppConfig):
    name = "yingshang.portal"
    verbose_name = "企业与公众页面"

    def ready(self) -> None:
        slots.add_nav("企业码", "portal:home", "entitlements.own", order=31)
        slots.add_nav("明白卡", "portal:card_index", "entitlements.manage", order=33)
