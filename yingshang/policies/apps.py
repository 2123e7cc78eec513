from django.apps import AppConfig

from yingshang.core import slots


class PoliciesConfig(AppConfig):
    name = "yingshang.policies"
    verbose_name = "政策找企业"

    def ready(self) -> None:
        slots.add_nav("政策", "policies:library", "policies.view", order=20)
        slots.add_nav("政策计算器", "policies:my_calculator", "policies.calculate_own", order=32)
