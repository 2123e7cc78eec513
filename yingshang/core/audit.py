"""The models whose change history (django-simple-history) the audit log (变更审计) shows.

The audit log page is registry's, but the models it lists belong to several apps: each registers its
audited models in its `AppConfig.ready()`, so registry need not import them (the calendar's
`HolidayYear` is workdays', which registry must not import):

    audit.register("holiday_year", "节假日安排", HolidayYear)

`kind` is the value of the page's `?kind=` filter; the filter lists the kinds in registration order.
"""

from __future__ import annotations

from typing import Any

_audited: dict[str, tuple[str, Any]] = {}


def register(kind: str, label: str, model: Any) -> None:
    """Show `model`'s history (it must have a simple-history `history` manager) under `label`."""
    if not hasattr(model, "history"):
        raise ValueError(f"{model.__name__} has no change history to audit")
    _audited[kind] = (label, model)


def audited() -> dict[str, tuple[str, Any]]:
    """kind -> (label, model), in registration order."""
    return dict(_audited)
