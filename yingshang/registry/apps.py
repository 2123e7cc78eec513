from django.apps import AppConfig

from yingshang.core import slots


class RegistryConfig(AppConfig):
    name = "yingshang.registry"
    verbose_name = "市场主体名录"

    def ready(self) -> None:
        slots.add_nav("市场主体", "registry:enterprise_list", "registry.view", order=10)
        slots.add_nav("本企业", "registry:my_enterprise", "registry.own_enterprise", order=11)
        slots.add_nav("名录导入", "registry:import_upload", "registry.import", order=92)
        slots.add_nav("变更审计", "registry:audit_log", "audit.view", order=93)
        # Imported in ready(): the to-dos read the registry's models, which exist once apps are loaded.
        from yingshang.registry import todos

        slots.add_todos(todos.todos_for)
