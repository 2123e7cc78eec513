from django.apps import AppConfig

from yingshang.core import slots


class CoreConfig(AppConfig):
    name = "yingshang.core"
    verbose_name = "平台"

    def ready(self) -> None:
        slots.add_nav("首页", "home", None, order=0)
        # The rooms still being built, greyed out until their app registers the real entry.
        for order, label in enumerate(("诉求", "监管", "监测", "督办"), start=50):
            slots.add_nav(label, None, None, order=order)
        slots.add_nav("部门与人员", "departments", "departments.view", order=91)
        slots.add_nav("接口令牌", "api_tokens:list", "api.tokens", order=99)
