"""Builders for the 政策兑现 staff page tests: entitlements in a given state, written with the ORM
(as the service would leave them), and a 公示 that has already ended.

The shipped packs are synced first (the item rows the entitlements point to); acme's 高企 item is
the one used unless told otherwise.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import load_workbook

from yingshang.core import clock
from yingshang.entitlements.models import Entitlement, PublicNotice
from yingshang.entitlements.workflow import State
from yingshang.policies import services
from yingshang.policies.models import RewardItem
from yingshang.policies.testing import HNTE_ITEM
from yingshang.registry.models import Enterprise

# The clerk of the world fixture is 渭滨区市场监管局: it handles items led by 区市场监管局, not 区工信局.
CLERKS_DEPARTMENT = "区市场监管局"
OTHER_DEPARTMENT = "区工信局"
PAYEE = {"account_name": "", "bank": "中国工商银行宝鸡渭滨支行", "account_no": "6222021234567890123"}


def working_item(key: str = HNTE_ITEM) -> RewardItem:
    if not RewardItem.objects.filter(key=key, policy__pack__is_working=True).exists():
        services.sync_shipped_packs()
    return RewardItem.objects.select_related("policy").get(key=key, policy__pack__is_working=True)


def make_entitlement(
    enterprise: Enterprise,
    *,
    state: State = State.MATCHED,
    department: str = CLERKS_DEPARTMENT,
    item_key: str = HNTE_ITEM,
    amount_fen: int | None = 100_000_00,
    mode: str = "免申即享",
    verdict: str = "eligible",
    **fields: Any,
) -> Entitlement:
    item = working_item(item_key)
    return Entitlement.objects.create(
        enterprise=enterprise,
        district=enterprise.district,
        item_key=item.key,
        item=item,
        item_version=item.version,
        department=department,
        mode=mode,
        verdict=verdict,
        amount_fen=amount_fen,
        state=state.value,
        matched_at=clock.now(),
        **fields,
    )


def ended_notice(enterprise: Enterprise, *, title: str = "2026年高新技术企业奖励公示") -> PublicNotice:
    """A 公示 of the enterprise's district that ended well before today."""
    today = clock.today()
    return PublicNotice.objects.create(
        title=title,
        district=enterprise.district,
        starts_on=today - dt.timedelta(days=40),
        ends_on=today - dt.timedelta(days=30),
        workdays=5,
    )


def running_notice(enterprise: Enterprise, *, title: str = "正在公示的名单") -> PublicNotice:
    today = clock.today()
    return PublicNotice.objects.create(
        title=title,
        district=enterprise.district,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=10),
        workdays=5,
    )


def payable(enterprise: Enterprise, **fields: Any) -> Entitlement:
    """Approved, publicised, 公示 over without objections: ready for the finance bureau."""
    payee = PAYEE | {"account_name": enterprise.name}
    return make_entitlement(
        enterprise, state=State.PUBLICIZED, notice=ended_notice(enterprise), payee=payee, **fields
    )


def sheet_rows(data: bytes) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
