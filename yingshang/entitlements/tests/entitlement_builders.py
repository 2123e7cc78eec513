"""Builders for the 政策兑现 service tests: real match runs (or runs with chosen pairs), entitlements
moved through the workflow by the service itself, and a fixed day inside the known calendar."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import pytest
from openpyxl import load_workbook

from yingshang.conftest import World
from yingshang.core import clock
from yingshang.core.roles import Role
from yingshang.entitlements import services as entitlements
from yingshang.entitlements.models import Entitlement
from yingshang.policies.models import MatchResult, MatchRun, PolicyPack, RewardItem
from yingshang.policies.services import sync_shipped_packs
from yingshang.policies.testing import AS_OF, HNTE_ITEM
from yingshang.registry.models import Department, Enterprise, User
from yingshang.registry.testing import make_enterprise, make_uscc

# A Wednesday well inside the years the working-day calendar knows (the tests must not depend on
# the wall clock: a 60-working-day deadline from late in a year reaches into a year not yet entered).
DAY = dt.date(2026, 7, 1)
PAYEE = {"account_name": "", "bank": "中国工商银行宝鸡渭滨支行", "account_no": "6222021234567890123"}


def neighbour(world: World) -> Enterprise:
    """A second enterprise in 渭滨区, beside acme: a payment batch holds one district's entitlements."""
    uscc = make_uscc("91610302MA6X00003")
    return make_enterprise(uscc, "宝鸡市渭滨区紧固件有限公司", world.weibin, industry_id="3311", employees=8)


def on_day(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    """Let the rest of the test happen on `day` (10:00 北京时间, the clock ticking from there)."""
    clock.move_to(day)


def item(key: str = HNTE_ITEM) -> RewardItem:
    if not RewardItem.objects.filter(key=key, policy__pack__is_working=True).exists():
        sync_shipped_packs()
    return RewardItem.objects.get(key=key, policy__pack__is_working=True)


def run_with_pairs(
    pairs: Sequence[tuple[Enterprise, str, str, int | None, int | None]],
    evaluated: Sequence[str] | None = None,
) -> MatchRun:
    """A finished match run holding exactly these (enterprise, item key, verdict, amount, payable)
    pairs; `evaluated` the item keys it evaluated (default: those of the pairs)."""
    keys = list(evaluated if evaluated is not None else dict.fromkeys(p[1] for p in pairs))
    for key in {*keys, *(p[1] for p in pairs)}:
        item(key)
    run = MatchRun.objects.create(
        kind="match",
        state="done",
        as_of=AS_OF,
        finished_at=clock.now(),
        snapshot_taken_at=clock.now(),
        summary={"items": [{"key": k} for k in keys]},
    )
    run.packs.set(PolicyPack.objects.filter(is_working=True))
    for enterprise, key, verdict, amount, payable in pairs:
        row = item(key)
        MatchResult.objects.create(
            run=run,
            enterprise=enterprise,
            item=row,
            district=enterprise.district,
            verdict=verdict,
            mode=row.mode,
            amount_fen=amount,
            payable_fen=payable,
            to_confirm=row.manual_conditions if verdict == "needs_confirmation" else [],
        )
    return run


def entitlement_of(enterprise: Enterprise, key: str = HNTE_ITEM) -> Entitlement:
    return Entitlement.objects.select_related("enterprise", "item", "notice").get(
        enterprise=enterprise, item_key=key
    )


def matched(
    enterprise: Enterprise, key: str = HNTE_ITEM, amount: int | None = 100_000_00, verdict: str = "eligible"
) -> Entitlement:
    """An entitlement made by the service from a run with one pair (a 需确认 one enlisted by a 核实推送,
    as the office would before pushing it: such pairs do not enter the ledger by themselves)."""
    payable = amount if verdict == "eligible" else 0
    # A run that evaluated nothing else: the other enterprises' entitlements are not its business.
    run = run_with_pairs([(enterprise, key, verdict, amount, payable)], evaluated=[])
    entitlements.create_entitlements_from_run(run)
    if verdict != "eligible":
        entitlements.enlist_for_confirmation(run, key, by=None)
    return entitlement_of(enterprise, key)


def pushed(world: World, enterprise: Enterprise, key: str = HNTE_ITEM, **kw: Any) -> Entitlement:
    e = matched(enterprise, key, **kw)
    entitlements.push_entitlements([e], by=world.admin)
    return entitlement_of(enterprise, key)


def confirmed(world: World, enterprise: Enterprise, key: str, **kw: Any) -> Entitlement:
    e = pushed(world, enterprise, key, **kw)
    entitlements.confirm_entitlement(
        e,
        confirmer_name="张三",
        confirmer_phone="13800000000",
        payee=PAYEE | {"account_name": enterprise.name},
        conditions=list(e.to_confirm),
        via="登录",
    )
    return entitlement_of(enterprise, key)


def approved(world: World, enterprise: Enterprise, key: str = HNTE_ITEM, **kw: Any) -> Entitlement:
    e = pushed(world, enterprise, key, **kw)
    entitlements.approve_entitlements([e.pk], by=world.admin)
    return entitlement_of(enterprise, key)


def publicized(world: World, enterprise: Enterprise, key: str = HNTE_ITEM, **kw: Any) -> Entitlement:
    e = approved(world, enterprise, key, **kw)
    entitlements.publish_notice([e.pk], by=world.admin, title="2026年第一批政策兑现公示")
    return entitlement_of(enterprise, key)


def department_clerk(world: World, name: str, username: str, district: str = "weibin") -> User:
    """A department staff user of a bureau (e.g. 渭滨区工信局) in one of the world's districts."""
    parent = Department.objects.get(code=district)
    department = Department.objects.create(
        name=name, code=f"{district}-{username}", kind="department", parent=parent, district=parent.district
    )
    user = User(username=username, role=Role.DEPT_STAFF.value, first_name=username, department=department)
    user.set_password("x")
    user.save()
    return user


def sheet_rows(data: bytes) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
