"""What 政策兑现 does when something happens elsewhere: a message is read, a holiday year is confirmed."""

from __future__ import annotations

from django.db import transaction

from yingshang.entitlements.models import Entitlement
from yingshang.entitlements.services import fill_missing_deadlines, mark_seen

PUSH_KEY_PREFIX = "entitlement:"
PUSH_KEY_SUFFIX = ":push"


def entitlement_message_read(sender: object, message: object, **kwargs: object) -> None:
    """An enterprise read the inbox message of an entitlement push: it now knows (知晓)."""
    key = str(getattr(message, "dedupe_key", "") or "")
    if not (key.startswith(PUSH_KEY_PREFIX) and key.endswith(PUSH_KEY_SUFFIX)):
        return
    number = key[len(PUSH_KEY_PREFIX) : -len(PUSH_KEY_SUFFIX)]
    if not number.isdigit():
        return
    entitlement = Entitlement.objects.filter(pk=int(number)).first()
    if entitlement is not None:
        mark_seen(entitlement)


def holiday_year_saved(sender: object, instance: object, **kwargs: object) -> None:
    """A year's holiday arrangement came into force: deadlines that fell in it can be counted now."""
    if getattr(instance, "is_confirmed", False):
        transaction.on_commit(fill_missing_deadlines)
