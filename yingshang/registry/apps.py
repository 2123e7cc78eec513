from django.apps import AppConfig

from yingshang.core import audit, homepage


class RegistryConfig(AppConfig):
    name = "yingshang.registry"
    verbose_name = "市场主体名录"

    def ready(self) -> None:
        # imported in ready(): pages and models need the app registry, which is ready only now
        from yingshang.registry import pages
        from yingshang.registry.models import Department, Enterprise, Qualification, User

        homepage.register_figure(pages.home_figures)
        audit.register("enterprise", "市场主体", Enterprise)
        audit.register("qualification", "资质", Qualification)
        audit.register("department", "部门", Department)
        audit.register("user", "用户与角色", User)
