from django.apps import AppConfig
from django.db.models.signals import post_save


class EntitlementsConfig(AppConfig):
    name = "yingshang.entitlements"
    verbose_name = "政策兑现"

    def ready(self) -> None:
        # Signals connect here, once every app is loaded: the handlers read entitlements' models and
        # services, which need the registry and policies models to be ready first.
        # imported in ready(): the modules below import models, which load only once apps are ready
        from yingshang.entitlements import signals
        from yingshang.notifications.signals import message_read
        from yingshang.workdays.models import HolidayYear

        message_read.connect(
            signals.entitlement_message_read, dispatch_uid="entitlements-message-seen", weak=False
        )
        post_save.connect(
            signals.holiday_year_saved,
            sender=HolidayYear,
            dispatch_uid="entitlements-fill-deadlines",
            weak=False,
        )
