"""What 接诉即办 does when something happens elsewhere: a holiday year comes into force."""

from __future__ import annotations

from django.db import transaction

from yingshang.appeals.services import fill_missing_deadlines


def holiday_year_saved(sender: object, instance: object, **kwargs: object) -> None:
    """A year's holiday arrangement came into force: deadlines that fell in it can be counted now."""
    if getattr(instance, "is_confirmed", False):
        transaction.on_commit(fill_missing_deadlines)
