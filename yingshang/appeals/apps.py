from django.apps import AppConfig

from yingshang.core import slots


class AppealsConfig(AppConfig):
    name = "yingshang.appeals"
    verbose_name = "接诉即办"

    def ready(self) -> None:
        slots.add_nav("诉求", "appeals:appeal_list", "appeals.view", order=50)
        # Imported in ready(): the to-dos read models, which exist only once every app is loaded.
        from yingshang.appeals import todos

        slots.add_todos(todos.todos_for)
