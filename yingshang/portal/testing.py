"""Builders for the portal tests: entitlements in a chosen state and 公示, written as the workflow would
have left them (the rows are real; the workflow itself is tested in policies)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yingshang.core import clock
from yingshang.entitlements.models import Entitlement, PublicNotice
from yingshang.policies.models import RewardItem
from yingshang.registry.models import Enterprise

QUICK_ITEM = "xx18_art2_agri_leading"  # 快申快享
CONDITIONS = ["本企业为省级以上农业产业化龙头企业", "本企业近三年无重大安全生产事故"]


def working_item(key: str) -> RewardItem:
    return RewardItem.objects.get(key=key, policy__pack__is_working=True)


def make_entitlement(
    enterprise: Enterprise, key: str = QUICK_ITEM, *, state: str = "pushed", **fields: Any
) -> Entitlement:
    item = working_item(key)
    values: dict[str, Any] = {
        "district": enterprise.district,
        "item_version": item.version,
        "mode": item.mode,
        "verdict": "eligible",
        "amount_fen": 5_000_000,
        "to_confirm": CONDITIONS if item.mode == "快申快享" else [],
        "state": state,
        "due_on": clock.today() + dt.timedelta(days=30) if state == "pushed" else None,
        "matched_at": clock.now(),
        "pushed_at": clock.now() if state != "matched" else None,
    }
    values.update(fields)
    return Entitlement.objects.create(enterprise=enterprise, item_key=key, item=item, **values)


def open_notice(**fields: Any) -> PublicNotice:
    today = clock.today()
    values: dict[str, Any] = {
        "title": "2026年第一批政策兑现公示",
        "starts_on": today - dt.timedelta(days=1),
        "ends_on": today + dt.timedelta(days=6),
        "workdays": 5,
    }
    values.update(fields)
    return PublicNotice.objects.create(**values)
