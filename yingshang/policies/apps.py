from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "yingshang.policies"
    verbose_name = "政策找企业"

    def ready(self) -> None:
        from yingshang.notifications.signals import message_read

        message_read.connect(_entitlement_message_read, dispatch_uid="policies-entitlement-seen", weak=False)

        from django.db.models.signals import post_save

        from yingshang.workdays.models import HolidayYear

        post_save.connect(
            _holiday_year_saved, sender=HolidayYear, dispatch_uid="policies-fill-deadlines", weak=False
        )


PUSH_KEY_PREFIX = "entitlement:"
PUSH_KEY_SUFFIX = ":push"


def _entitlement_message_read(sender: object, message: object, **kwargs: object) -> None:
    """An enterprise read the inbox message of an entitlement push: it now knows (知晓)."""
    from yingshang.policies.entitlements import mark_seen
    from yingshang.policies.models import Entitlement

    key = str(getattr(message, "dedupe_key", "") or "")
    if not (key.startswith(PUSH_KEY_PREFIX) and key.endswith(PUSH_KEY_SUFFIX)):
        return
    number = key[len(PUSH_KEY_PREFIX) : -len(PUSH_KEY_SUFFIX)]
    if not number.isdigit():
        return
    entitlement = Entitlement.objects.filter(pk=int(number)).first()
    if entitlement is not None:
        mark_seen(entitlement)


def _holiday_year_saved(sender: object, instance: object, **kwargs: object) -> None:
    """A year's holiday arrangement came into force: deadlines that fell in it can be counted now."""
    if not getattr(instance, "is_confirmed", False):
        return
    from django.db import transaction

    from yingshang.policies.entitlements import fill_missing_deadlines

    transaction.on_commit(fill_missing_deadlines)
