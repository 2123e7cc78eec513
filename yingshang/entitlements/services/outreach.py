"""确定与可能: 需确认 pairs stay match results until the office pushes them (核实推送).

A batch match finds two kinds of pairs. Eligible ones are certain and enter the ledger by themselves
(`sync`). Pairs that need the enterprise's confirmation are possible: most of them wait on data the
platform does not hold (a field no department shares yet), and counting them as entitlements made
the ledger promise 671亿. They stay in the run's results; the office chooses an item and pushes its
possible pairs to the enterprises, which then enter the ledger in 已推送 with the 核实推送 that sent
them, and that push has its own 知晓率 (seen / pushed of its entitlements).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from yingshang.core.scope import SYSTEM, Scope, scoped
from yingshang.entitlements.models import Entitlement, LedgerSync, Outreach
from yingshang.entitlements.services.common import BATCH_SIZE, EntitlementRefused, _require_manage
from yingshang.entitlements.services.confirm import push_entitlements
from yingshang.entitlements.services.sync import _blank_row, _insert_new
from yingshang.entitlements.workflow import State
from yingshang.policies.models import MatchResult, MatchRun, RewardItem
from yingshang.registry.models import User

POSSIBLE = "needs_confirmation"


def ledger_run() -> MatchRun | None:
    """The batch match the ledger was last brought up to (None before the first): the run of the
    newest finished 生成兑现台账 from the page, or of the newest entitlement (the `entitlements create`
    command and the demo loader sync without the page), whichever finished later. Possible pairs and
    data gaps are read from it."""
    syncs = LedgerSync.objects.filter(state="done").select_related("run")
    sync = syncs.order_by("-finished_at", "-id").first()
    newest = (
        Entitlement.objects.filter(run__kind="match").select_related("run").order_by("-matched_at", "-id")
    )
    entitlement = newest.first()
    runs = [
        r for r in (sync.run if sync else None, entitlement.run if entitlement else None) if r is not None
    ]
    return max(runs, key=lambda r: (r.finished_at or r.created_at, r.pk), default=None)


def possible_results(user: User | Scope | None, run: MatchRun) -> QuerySet[MatchResult]:
    """The run's 需确认 pairs `user` may see that are not in the ledger yet (an enterprise already
    told of the item, or paid for it, is not told again)."""
    in_ledger = Entitlement.objects.filter(enterprise=OuterRef("enterprise"), item_key=OuterRef("item__key"))
    qs = MatchResult.objects.filter(run=run, verdict=POSSIBLE)
    return scoped(qs, user).filter(~Exists(in_ledger))


@dataclass
class PossibleLine:
    """One item's possible pairs: how many, and how much money if every enterprise confirms."""

    item_key: str
    title: str
    mode: str
    department: str
    pairs: int
    possible_fen: int  # the known amounts
    amount_pending: int  # pairs whose amount itself waits on data


def possible_by_item(user: User | None, run: MatchRun) -> list[PossibleLine]:
    """The run's unpushed possible pairs per item, most money first (one grouped query)."""
    rows = (
        possible_results(user, run)
        .order_by()
        .values("item__key", "item__title", "item__mode", "item__department")
        .annotate(
            pairs=Count("id"),
            possible_fen=Sum("amount_fen"),
            amount_pending=Count("id", filter=Q(amount_fen__isnull=True)),
        )
    )
    lines = [
        PossibleLine(
            item_key=row["item__key"],
            title=row["item__title"],
            mode=row["item__mode"],
            department=row["item__department"],
            pairs=row["pairs"],
            possible_fen=row["possible_fen"] or 0,
            amount_pending=row["amount_pending"],
        )
        for row in rows
    ]
    # An item row per pack version: lines of the same key (same rule, new version) are one line.
    merged: dict[str, PossibleLine] = {}
    for line in lines:
        seen = merged.get(line.item_key)
        if seen is None:
            merged[line.item_key] = line
        else:
            seen.pairs += line.pairs
            seen.possible_fen += line.possible_fen
            seen.amount_pending += line.amount_pending
    return sorted(merged.values(), key=lambda line: (-line.possible_fen, -line.pairs, line.item_key))


def enlist_for_confirmation(
    run: MatchRun, item_key: str, *, by: User | None, enterprise_ids: list[int] | None = None
) -> tuple[Outreach, list[Entitlement]]:
    """Enter the run's possible pairs of one item (within `by`'s reach; only `enterprise_ids` when
    given) into the ledger as 已比对 entitlements of a new 核实推送, which `push_for_confirmation` then
    pushes. `by` None is the system (the whole city)."""
    if by is not None:
        _require_manage(by)
    if run.kind != "match" or run.state != "done":
        raise EntitlementRefused("只能推送已完成的批量匹配的结果")
    results = (
        possible_results(by if by is not None else SYSTEM, run)
        .filter(item__key=item_key)
        .select_related("item")
    )
    if enterprise_ids is not None:
        results = results.filter(enterprise_id__in=enterprise_ids)
    chosen = list(results.order_by("enterprise_id"))
    if not chosen:
        raise EntitlementRefused("该事项没有待推送的需确认结果（可能已全部推送，或不在您的辖区内）")
    item: RewardItem = chosen[0].item
    now = timezone.now()
    outreach = Outreach.objects.create(
        run=run,
        item_key=item_key,
        item=item,
        district=by.jurisdiction if by is not None else None,
        count=len(chosen),
        possible_fen=sum(r.amount_fen or 0 for r in chosen),
        created_by=by,
    )
    blank = _blank_row()
    rows = [
        blank
        | {
            "enterprise_id": r.enterprise_id,
            "district_id": r.district_id,
            "item_key": item_key,
            "item_id": r.item_id,
            "item_version": r.item.version,
            "department": r.item.department,
            "run_id": run.pk,
            "snapshot_taken_at": run.snapshot_taken_at,
            "mode": r.mode,
            "verdict": r.verdict,
            "amount_fen": r.amount_fen,
            "reason_codes": list(r.reason_codes or []),
            "to_confirm": list(r.to_confirm or []),
            "state": State.MATCHED.value,
            "matched_at": now,
            "outreach_id": outreach.pk,
        }
        for r in chosen
    ]
    reason = f"核实推送（批次 {run.pk}）"
    for start in range(0, len(rows), BATCH_SIZE):
        _insert_new(rows[start : start + BATCH_SIZE], by.pk if by is not None else None, reason, now)
    return outreach, list(Entitlement.objects.filter(outreach=outreach).order_by("pk"))


def push_for_confirmation(
    run: MatchRun, item_key: str, *, by: User | None, enterprise_ids: list[int] | None = None
) -> Outreach:
    """A 核实推送: the possible pairs of one item enter the ledger and their enterprises are told,
    in one transaction (each is asked to confirm the conditions the platform could not check)."""
    with transaction.atomic():
        outreach, entitlements = enlist_for_confirmation(run, item_key, by=by, enterprise_ids=enterprise_ids)
        push_entitlements(entitlements, by=by)
    return outreach


@dataclass
class OutreachLine:
    outreach: Outreach
    pushed: int
    seen: int
    confirmed: int

    @property
    def awareness_percent(self) -> str:
        """知晓率 of this push: the share of its enterprises that have opened what they were sent."""
        if not self.pushed:
            return "—"
        return f"{self.seen * 100 / self.pushed:.1f}%"


def outreach_lines(user: User | None) -> list[OutreachLine]:
    """The 核实推送 `user` may see, newest first, each with its 知晓率 and confirmations."""
    qs = (
        scoped(Outreach.objects.all(), user)
        .select_related("item", "district", "created_by")
        .annotate(
            pushed_n=Count("entitlements", filter=Q(entitlements__pushed_at__isnull=False)),
            seen_n=Count("entitlements", filter=Q(entitlements__seen_at__isnull=False)),
            confirmed_n=Count("entitlements", filter=Q(entitlements__confirmed_at__isnull=False)),
        )
    )
    return [OutreachLine(o, o.pushed_n, o.seen_n, o.confirmed_n) for o in qs]
