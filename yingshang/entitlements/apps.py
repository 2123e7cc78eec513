from django.apps import AppConfig

from yingshang.core import slots


class EntitlementsConfig(AppConfig):
    name = "yingshang.entitlements"
    verbose_name = "政策兑现"

    def ready(self) -> None:
        slots.add_nav("政策兑现", "entitlements:entitlement_list", "entitlements.view", order=30)
        # Imported in ready(): the signal handlers and to-dos read models and services, which exist only
        # once every app is loaded (Django's idiom for AppConfig.ready).
        from django.db.models.signals import post_save

        from yingshang.entitlements import signals, todos
        from yingshang.notifications.signals import message_read
        from yingshang.workdays.models import HolidayYear

        slots.add_todos(todos.todos_for)
        message_read.connect(
            signals.entitlement_message_read, dispatch_uid="entitlements-message-seen", weak=False
        )
        post_save.connect(
            signals.holiday_year_saved,
            sender=HolidayYear,
            dispatch_uid="entitlements-fill-deadlines",
            weak=False,
        )
