from django.apps import AppConfig

from yingshang.core import slots


class RegistryConfig(AppConfig):
    name = "yingshang.registry"
    verbose_name = "市场主体名录"

    def ready(self) -> None:
        slots.add_nav("市场主体", "registry:enterprise_list", "registry.view", order=10)
        slots.add_nav("本企业", "registry:my_enterprise", "registry.own_enterprise", order=11)
        slots.add_nav("名录导入", "registry:import_upload", "registry.import", order=92)
        slots.add_nav("部门与人员", "departments", "departments.view", order=91)
        slots.add_nav("变更审计", "registry:audit_log", "audit.view", order=93)
        slots.add_nav("接口令牌", "api_tokens:list", "api.tokens", order=99)
        # Imported in ready(): the to-dos and figures read the registry's models, which exist once apps
        # are loaded.
        from yingshang.registry import pages, todos
        from yingshang.registry.models import Department, Enterprise, Qualification, User

        slots.add_todos(todos.todos_for)
        slots.add_figures(pages.home_figures)
        slots.add_audited("enterprise", "市场主体", Enterprise)
        slots.add_audited("qualification", "资质", Qualification)
        slots.add_audited("department", "部门", Department)
        slots.add_audited("user", "用户与角色", User)
