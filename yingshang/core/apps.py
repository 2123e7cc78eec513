from django.apps import AppConfig

from yingshang.core import slots


class CoreConfig(AppConfig):
    name = "yingshang.core"
    verbose_name = "平台"

    def ready(self) -> None:
        slots.add_nav("首页", "home", None, order=0)
        # The rooms still being built, greyed out until their app registers the real entry.
        for order, label in enumerate(("监管", "监测", "督办"), start=51):
            slots.add_nav(label, None, None, order=order)
