"""推送 and 确认: entitlements pushed to enterprises (messages after commit) and confirmed by them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from yingshang.core import clock
from yingshang.core.money import format_fen
from yingshang.core.phones import PHONE_RE
from yingshang.core.roles import Role
from yingshang.entitlements import workflow
from yingshang.entitlements.models import Entitlement, EntitlementNote
from yingshang.entitlements.services.common import (
    BATCH_SIZE,
    PUSH_TOPIC,
    VIA_CHOICES,
    EntitlementRefused,
    _locked,
    _next,
    _note_missing_due,
    _require_manage,
    _save,
    due_problem,
    stage_due,
    visible_entitlements,
)
from yingshang.entitlements.services.sync import _update_changed
from yingshang.entitlements.workflow import (
    Action,
    State,
)
from yingshang.notifications.services import Notice, notify_many, schedule_delivery
from yingshang.registry.models import User

# ==================================================================================================
# Push and the enterprise's side
# ==================================================================================================


def _portal_link(e: Entitlement | None = None) -> str:
    """Where the enterprise reads about an entitlement on its page (企业码 or login)."""
    try:
        return reverse("portal:entitlement", args=[e.pk]) if e is not None else reverse("portal:home")
    except NoReverseMatch:
        return ""


def push_entitlements(entitlements: Iterable[Entitlement], *, by: User | None) -> int:
    """Notify each enterprise of its entitlements still in 已比对 (others are left as they are: a
    second push of the same list sends nothing; one flagged for review waits until a clerk has looked
    at it, so no enterprise is told of money it may not get); returns how many were pushed. `by` None
    is the system (a scheduled push); a person must be allowed to manage entitlements."""
    if by is not None:
        _require_manage(by)
    ids = [e.pk for e in entitlements]
    day = clock.today()
    now = timezone.now()
    with transaction.atomic():
        rows = (
            Entitlement.objects.select_for_update(of=("self",))
            .select_related("enterprise", "item", "notice")
            .filter(pk__in=ids, state=State.MATCHED.value, needs_review=False)
            .order_by("pk")
        )
        if by is not None:
            rows = rows.filter(pk__in=visible_entitlements(by).values("pk"))
        pushed = list(rows)
        notes: list[EntitlementNote] = []
        for e in pushed:
            e.state = _next(e, Action.PUSH, day).value
            e.pushed_at = now
            e.due_on = stage_due(e, State.PUSHED, day)
            if e.due_on is None:
                problem = due_problem(e, State.PUSHED, day)
                if problem:
                    notes.append(EntitlementNote(entitlement=e, author=by, text=problem))
        for start in range(0, len(pushed), BATCH_SIZE):
            _update_changed(
                pushed[start : start + BATCH_SIZE],
                by.pk if by is not None else None,
                Action.PUSH.label,
                now,
                fields=("state", "pushed_at", "due_on"),
            )
        EntitlementNote.objects.bulk_create(notes, batch_size=BATCH_SIZE)
        notify_many(
            Notice(
                e.enterprise_id,
                PUSH_TOPIC,
                _push_subject(e),
                _push_body(e),
                f"entitlement:{e.pk}:push",
                _portal_link(e),
            )
            for e in pushed
        )
        if pushed:
            # SMS and e-mail go out from the worker once this transaction has committed.
            schedule_delivery()
    return len(pushed)


def _push_subject(e: Entitlement) -> str:
    return f"政策兑现提醒：{e.item.title}"


def _push_body(e: Entitlement) -> str:
    amount = f"，测算金额 {format_fen(e.amount_fen)}" if e.amount_fen else ""
    if workflow.requires_confirmation(e.mode, e.verdict):
        due = f"请于 {e.due_on:%Y年%m月%d日} 前" if e.due_on else "请尽快"
        todo = "；".join(e.to_confirm) or "企业信息和收款账户"
        return (
            f"{e.enterprise.name}：经比对，贵单位可享受“{e.item.title}”{amount}。"
            f"{due}登录或通过企业码确认：{todo}。"
        )
    return (
        f"{e.enterprise.name}：经比对，贵单位符合“{e.item.title}”（免申即享）{amount}，"
        "无需申请，审核公示后直接兑付。"
    )


ACCOUNT_RE = re.compile(r"^\d{8,30}$")
OBJECTION_MAX_CHARS = 2000


def _same_name(name: str) -> str:
    """A company name as compared: half- and full-width brackets alike, no spaces."""
    return re.sub(r"\s", "", name).replace("(", "（").replace(")", "）")


def _clean_payee(payee: dict[str, Any], e: Entitlement) -> dict[str, str]:
    account_name = str(payee.get("account_name") or "").strip()
    bank = str(payee.get("bank") or "").strip()
    account_no = re.sub(r"[\s-]", "", str(payee.get("account_no") or ""))
    problems = []
    if not account_name:
        problems.append("收款户名不能为空")
    elif _same_name(account_name) != _same_name(e.enterprise.name):
        problems.append(f"收款户名应为本企业名称“{e.enterprise.name}”（奖补资金只拨付到企业对公账户）")
    if not bank:
        problems.append("开户银行不能为空")
    if not ACCOUNT_RE.match(account_no):
        problems.append("银行账号应为 8 到 30 位数字")
    if problems:
        raise EntitlementRefused("；".join(problems))
    return {"account_name": account_name, "bank": bank[:100], "account_no": account_no}


def confirm_entitlement(
    e: Entitlement,
    *,
    confirmer_name: str,
    confirmer_phone: str,
    payee: dict[str, Any],
    conditions: list[str],
    via: str,
    by: User | None = None,
) -> Entitlement:
    """The enterprise confirms the conditions the platform could not check and its bank account
    (快申快享, or data missing at matching). Refused after the confirmation deadline."""
    if via not in VIA_CHOICES:
        raise EntitlementRefused(f"确认方式只能是：{'、'.join(VIA_CHOICES)}")
    if by is not None and (by.role_enum != Role.ENTERPRISE or by.enterprise_id != e.enterprise_id):
        raise EntitlementRefused("只能由本企业确认自己的政策兑现事项")
    name = (confirmer_name or "").strip()
    phone = re.sub(r"\s", "", confirmer_phone or "")
    if not name:
        raise EntitlementRefused("请填写确认人姓名")
    if not PHONE_RE.match(phone):
        raise EntitlementRefused(f"联系电话“{confirmer_phone}”格式不对，请填写 11 位手机号或带区号的固定电话")
    with transaction.atomic():
        e = _locked(e)
        target = _next(e, Action.CONFIRM)
        missing = [c for c in e.to_confirm if c not in set(conditions)]
        if missing:
            raise EntitlementRefused("请逐项确认以下条件：" + "；".join(missing))
        cleaned = _clean_payee(payee, e)
        now = timezone.now()
        e.state = target.value
        e.confirmed_at = now
        e.confirmation = {
            "name": name[:50],
            "phone": phone,
            "conditions": list(e.to_confirm),
            "via": via,
            "at": now.isoformat(),
        }
        e.payee = cleaned
        e.due_on = stage_due(e, State.CONFIRMED, clock.today())
        _save(e, by, f"{Action.CONFIRM.label}（{via}）")
        _note_missing_due(e, State.CONFIRMED, clock.today(), by)
        return e


def mark_seen(e: Entitlement) -> None:
    """The enterprise saw the entitlement for the first time (知晓): stamp it once."""
    with transaction.atomic():
        e = Entitlement.objects.select_for_update(of=("self",)).get(pk=e.pk)
        if e.seen_at is not None:
            return
        e.seen_at = timezone.now()
        _save(e, None, "企业首次查看")
