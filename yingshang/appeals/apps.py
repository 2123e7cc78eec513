from django.apps import AppConfig
from django.db.models.signals import post_save

from yingshang.core import slots


class AppealsConfig(AppConfig):
    name = "yingshang.appeals"
    verbose_name = "接诉即办"

    def ready(self) -> None:
        slots.add_nav("诉求", "appeals:appeal_list", "appeals.view", order=50)
        # Imported in ready(): the to-dos and signal handlers read models and services, which exist only
        # once every app is loaded (Django's idiom for AppConfig.ready).
        from yingshang.appeals import signals, todos
        from yingshang.workdays.models import HolidayYear

        slots.add_todos(todos.todos_for)
        post_save.connect(
            signals.holiday_year_saved, sender=HolidayYear, dispatch_uid="appeals-fill-deadlines", weak=False
        )
