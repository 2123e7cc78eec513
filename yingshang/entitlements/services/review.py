"""审核 and 预算: approval with first-come budget control, rejection, withdrawal, review flags, notes."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from yingshang.core import clock
from yingshang.core.money import format_fen
from yingshang.entitlements import budget
from yingshang.entitlements.models import Entitlement, EntitlementNote
from yingshang.entitlements.services.common import (
    EntitlementRefused,
    _label,
    _locked,
    _next,
    _note,
    _require_in,
    _save,
    reviewable_by,
    visible_entitlements,
)
from yingshang.entitlements.services.confirm import _portal_link
from yingshang.entitlements.workflow import (
    BUDGET_STATES,
    Action,
    State,
)
from yingshang.notifications.services import notify
from yingshang.policies.models import RewardItem
from yingshang.registry.models import User

# ==================================================================================================
# Review and budget
# ==================================================================================================


@dataclass
class ApprovalOutcome:
    approved: list[Entitlement] = field(default_factory=list)
    held: list[Entitlement] = field(default_factory=list)  # over budget, still waiting
    warning: str | None = None


@dataclass(frozen=True)
class BudgetStatus:
    item_key: str
    cap_fen: int | None
    committed_fen: int
    remaining_fen: int | None
    waiting_fen: int  # amounts confirmed (or needing no confirmation) and waiting for review


def awaiting_review_q() -> Q:
    """Entitlements ready for approval: confirmed, or pushed without needing confirmation."""
    auto = Q(mode="免申即享") & ~Q(verdict="needs_confirmation")
    return Q(state=State.CONFIRMED.value) | (Q(state=State.PUSHED.value) & auto)


def budget_cap(item_key: str) -> int | None:
    """The cap of the working version of an item (the newest stored one when none is working)."""
    working = RewardItem.objects.filter(key=item_key, policy__pack__is_working=True).first()
    row = working or RewardItem.objects.filter(key=item_key).order_by("-pk").first()
    return row.budget_cap_fen if row is not None else None


def committed_fen(item_key: str) -> int:
    states = [s.value for s in BUDGET_STATES]
    total = Entitlement.objects.filter(item_key=item_key, state__in=states).aggregate(t=Sum("amount_fen"))[
        "t"
    ]
    return int(total or 0)


def budget_status(item_key: str) -> BudgetStatus:
    cap = budget_cap(item_key)
    committed = committed_fen(item_key)
    waiting = (
        Entitlement.objects.filter(awaiting_review_q(), item_key=item_key).aggregate(t=Sum("amount_fen"))["t"]
        or 0
    )
    remaining = None if cap is None else cap - committed
    return BudgetStatus(item_key, cap, committed, remaining, int(waiting))


def _queued_at(e: Entitlement) -> dt.datetime:
    return e.confirmed_at or e.matched_at


def _lock_item(item_key: str) -> None:
    """Serialise approvals of one item: every row of it is locked until the transaction ends, so two
    reviewers approving at once cannot both spend the same money (PostgreSQL; SQLite serialises
    writers anyway)."""
    if connection.vendor == "postgresql":
        list(Entitlement.objects.select_for_update().filter(item_key=item_key).values_list("pk", flat=True))


def approve_entitlements(ids: Iterable[int], *, by: User) -> ApprovalOutcome:
    """Approve entitlements the reviewer may review; with a budget cap, strictly first-come (see
    `budget`): those that do not fit wait, with a warning. Any entitlement that may not be approved
    refuses the whole request."""
    wanted = sorted(set(int(i) for i in ids))
    if not wanted:
        raise EntitlementRefused("请先选择要审核的事项")
    if by is None or not by.is_authenticated or not by.can("entitlements.review"):
        raise EntitlementRefused("您的角色无权审核政策兑现事项")
    outcome = ApprovalOutcome()
    warnings: list[str] = []
    day = clock.today()
    with transaction.atomic():
        found = {
            e.pk: e
            for e in Entitlement.objects.select_related("enterprise", "item", "notice").filter(pk__in=wanted)
        }
        gone = [str(i) for i in wanted if i not in found]
        if gone:
            raise EntitlementRefused(f"找不到编号为 {'、'.join(gone)} 的兑现事项")
        allowed = set(reviewable_by(by).filter(pk__in=wanted).values_list("pk", flat=True))
        forbidden = [_label(found[i]) for i in wanted if i not in allowed]
        if forbidden:
            raise EntitlementRefused("以下事项不在您的审核范围内：" + "、".join(forbidden))
        by_item: dict[str, list[int]] = defaultdict(list)
        for pk in wanted:
            by_item[found[pk].item_key].append(pk)
        for item_key in sorted(by_item):
            _lock_item(item_key)
            requested = set(by_item[item_key])
            rows = {
                e.pk: e
                for e in Entitlement.objects.select_related("enterprise", "item", "notice").filter(
                    pk__in=requested
                )
            }
            problems = []
            for e in rows.values():
                try:
                    _next(e, Action.APPROVE, day)
                except EntitlementRefused as exc:
                    problems.append(f"{_label(e)}：{exc.message}")
                    continue
                if e.amount_fen is None:
                    problems.append(f"{_label(e)}：金额尚未确定，不能审核通过")
            if problems:
                raise EntitlementRefused("；".join(problems))
            cap = budget_cap(item_key)
            queue = list(
                Entitlement.objects.select_related("enterprise", "item").filter(
                    awaiting_review_q(), item_key=item_key, needs_review=False, amount_fen__isnull=False
                )
                | Entitlement.objects.select_related("enterprise", "item").filter(pk__in=requested)
            )
            committed = committed_fen(item_key)
            allocation = budget.allocate(
                cap,
                committed,
                [budget.Candidate(e.pk, e.amount_fen or 0, _queued_at(e), e.enterprise.uscc) for e in queue],
            )
            fits = {c.key for c in allocation.fits}
            for pk in sorted(requested, key=lambda k: (_queued_at(rows[k]), rows[k].enterprise.uscc, k)):
                e = rows[pk]
                if pk not in fits:
                    outcome.held.append(e)
                    continue
                e.state = State.APPROVED.value
                e.reviewed_at, e.reviewed_by = timezone.now(), by
                e.due_on = None
                _save(e, by, Action.APPROVE.label)
                outcome.approved.append(e)
            held_here = [rows[c.key] for c in allocation.waits if c.key in requested]
            if held_here:
                # Others queued before the first held one (approved later, or waiting themselves).
                queue_keys = [c.key for c in (*allocation.fits, *allocation.waits)]
                first_held = queue_keys.index(held_here[0].pk)
                ahead = [c for c in (*allocation.fits, *allocation.waits)][:first_held]
                ahead = [c for c in ahead if c.key not in requested]
                warnings.append(_budget_warning(cap or 0, committed_fen(item_key), held_here, ahead))
    outcome.warning = "\n".join(warnings) or None
    return outcome


def _budget_warning(
    cap: int, committed: int, held: Sequence[Entitlement], ahead: Sequence[budget.Candidate]
) -> str:
    """'预算上限 X 元，已占用 Y 元（approvals of this request included），以下 N 家超出预算…'."""
    title = held[0].item.title
    names = "、".join(e.enterprise.name for e in held)
    text = (
        f"“{title}”预算上限 {format_fen(cap)}，已占用 {format_fen(committed)}，"
        f"以下 {len(held)} 家超出预算未通过审核，按先确认先审核的顺序继续等待：{names}"
    )
    if ahead:
        text += (
            f"。排在它们之前、尚未审核的 {len(ahead)} 家"
            f"（合计 {format_fen(sum(c.amount_fen for c in ahead))}）优先占用预算"
        )
    return text + "。追加预算或前序事项审核不通过后可再审核。"


def reject_entitlement(e: Entitlement, *, by: User, reason: str) -> Entitlement:
    """The department rejects, with a reason the enterprise will read."""
    reason = (reason or "").strip()
    if not reason:
        raise EntitlementRefused("审核不通过必须填写原因")
    _require_in(reviewable_by(by), e, "审核")
    with transaction.atomic():
        e = _locked(e)
        target = _next(e, Action.REJECT)
        e.state = target.value
        e.rejection_reason = reason[:300]
        e.reviewed_at, e.reviewed_by = timezone.now(), by
        e.due_on = None
        _save(e, by, Action.REJECT.label)
        _notify_follow_up(
            e,
            kind="rejected",
            subject=f"政策兑现审核结果：{e.item.title}",
            body=f"{e.enterprise.name}：“{e.item.title}”审核不通过，原因：{e.rejection_reason}。如有疑问请联系主管部门。",
        )
        return e


def withdraw_entitlement(e: Entitlement, *, by: User, reason: str) -> Entitlement:
    """The department withdraws an entitlement before review (撤销): e.g. a flagged one whose
    enterprise no longer qualifies, which cannot be rejected because nobody has reviewed it yet."""
    reason = (reason or "").strip()
    if not reason:
        raise EntitlementRefused("撤销必须填写原因")
    _require_in(reviewable_by(by), e, "撤销")
    with transaction.atomic():
        e = _locked(e)
        told = e.state != State.MATCHED.value  # only a pushed enterprise knows of it
        e.state = _next(e, Action.WITHDRAW).value
        e.rejection_reason = reason[:300]
        e.reviewed_at, e.reviewed_by = timezone.now(), by
        e.due_on = None
        e.needs_review = False
        _save(e, by, Action.WITHDRAW.label)
        if told:
            _notify_follow_up(
                e,
                kind="withdrawn",
                subject=f"政策兑现撤销：{e.item.title}",
                body=f"{e.enterprise.name}：“{e.item.title}”已撤销，原因：{e.rejection_reason}。如有疑问请联系主管部门。",
            )
        return e


def _notify_follow_up(e: Entitlement, *, kind: str, subject: str, body: str) -> None:
    """A message after the push (rejection, payment), once per entitlement and kind."""
    notify(
        e.enterprise,
        topic=f"entitlement.{kind}",
        subject=subject,
        body=body,
        link=_portal_link(e),
        dedupe_key=f"entitlement:{e.pk}:{kind}",
    )


def clear_review(e: Entitlement, *, by: User, note: str) -> Entitlement:
    """A clerk has looked at a flagged entitlement and lets it stand (the note says why)."""
    note = (note or "").strip()
    if not note:
        raise EntitlementRefused("请填写复核意见")
    _require_in(reviewable_by(by), e, "复核")
    with transaction.atomic():
        e = _locked(e)
        if not e.needs_review:
            raise EntitlementRefused("该事项没有待复核的情况")
        if e.objections.filter(state="open").exists():
            raise EntitlementRefused("该事项还有未处理的公示异议，请先处理异议")
        reason = e.review_reason
        e.needs_review, e.review_reason = False, ""
        _save(e, by, "复核通过，维持原状")
        _note(e, by, f"复核：{reason or '待复核'} —— {note}")
        return e


def annotate(e: Entitlement, *, by: User, text: str) -> EntitlementNote:
    """A remark on any entitlement (the only addition a paid one accepts)."""
    text = (text or "").strip()
    if not text:
        raise EntitlementRefused("备注内容不能为空")
    if by is None or not by.can("entitlements.review"):
        raise EntitlementRefused("您的角色无权添加备注")
    _require_in(visible_entitlements(by), e, "备注")
    return _note(e, by, text[:2000])
