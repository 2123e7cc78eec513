from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "yingshang.policies"
    verbose_name = "政策找企业"
