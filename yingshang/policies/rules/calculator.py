"""政策计算器: for one enterprise and one date, every current reward item with its verdict, amount,
each condition's outcome (with the enterprise's own value) and the exclusivity outcome.

Verdict of an item = Kleene AND of its target entity types, its pack's district (a district's pack
pays only enterprises registered there) and its conditions:
FAIL → not eligible; PASS with a known positive amount → eligible; otherwise needs confirmation.
An amount of 0 (e.g. 新增就业 0 人) is not eligible.

Exclusivity ("每家企业不重复奖，以最高标准为准"): among the *eligible* items of one group only the
highest amount is paid; equal amounts go to the item that comes first in the pack. An item still
awaiting confirmation that could pay more is named on the winner, so staff see that the choice may
change once the enterprise confirms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

from yingshang.core.money import format_amount
from yingshang.policies.rules.amounts import compute_amount
from yingshang.policies.rules.evaluate import Outcome, Status, evaluate_into, fast_constructor, k_and
from yingshang.policies.rules.model import Item, Mode, Pack, Policy, Verdict
from yingshang.policies.rules.profile import Profile, profile_from


@dataclass(frozen=True)
class ItemResult:
    policy_id: str
    policy_title: str
    item_id: str
    title: str
    article: str
    verdict: Verdict
    mode: Mode  # effective: 免申即享 only when everything is machine-checkable
    amount_fen: int | None  # what the item pays this enterprise if granted; None when unknown
    amount_explanation: str
    outcomes: tuple[Outcome, ...]
    to_confirm: tuple[str, ...]  # what the enterprise still has to confirm
    item_version: str
    policy_version: str
    exclusivity_group: str | None = None
    payable_fen: int = 0  # after exclusivity; only eligible items pay
    exclusivity_note: str = ""

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.outcomes)

    @property
    def reasons(self) -> tuple[str, ...]:
        extra = (self.amount_explanation, self.exclusivity_note)
        return tuple(o.reason for o in self.outcomes) + tuple(t for t in extra if t)


@dataclass(frozen=True)
class Calculation:
    as_of: dt.date
    items: tuple[ItemResult, ...]

    @property
    def total_payable_fen(self) -> int:
        return sum(r.payable_fen for r in self.items)

    def by_verdict(self, verdict: Verdict) -> list[ItemResult]:
        return [r for r in self.items if r.verdict is verdict]

    def result(self, item_id: str) -> ItemResult:
        return next(r for r in self.items if r.item_id == item_id)


_item_result = fast_constructor(ItemResult)


def _verdict(status: Status, amount_fen: int | None) -> Verdict:
    if status is Status.FAIL or amount_fen == 0:
        return Verdict.NOT_ELIGIBLE
    if status is Status.PASS and amount_fen is not None:
        return Verdict.ELIGIBLE
    return Verdict.NEEDS_CONFIRMATION


def evaluate_item(policy: Policy, item: Item, profile: Profile, as_of: dt.date) -> ItemResult:
    """One item for one enterprise, before exclusivity."""
    ctx = policy.context(as_of)
    collected: list[Outcome] = []
    status = evaluate_into(item.conditions, profile, ctx, "", collected)
    gates = [(item.target_leaf, "0"), (item.jurisdiction_leaf, "district")]
    if item.target_leaf is not None or item.jurisdiction_leaf is not None:
        # Who the item is for comes first among the outcomes, in gate_leaves() order.
        conditions = collected
        collected = []
        passed = [evaluate_into(leaf, profile, ctx, path, collected) for leaf, path in gates if leaf]
        status = k_and((*passed, status))
        collected += conditions
    outcomes = tuple(collected)
    amount = compute_amount(item.amount, profile, ctx)
    verdict = _verdict(status, amount.fen)
    explanation = amount.explanation
    if amount.fen == 0 and status is not Status.FAIL:
        explanation += "，计算金额为 0，不予奖励"
    to_confirm = []
    if verdict is Verdict.NEEDS_CONFIRMATION:
        to_confirm = [o.sentence for o in outcomes if o.status is Status.UNKNOWN]
        if amount.fen is None:
            to_confirm.append(amount.explanation)
    return _item_result(
        policy_id=policy.id,
        policy_title=policy.title,
        item_id=item.id,
        title=item.title,
        article=item.article,
        verdict=verdict,
        mode=item.effective_mode,
        amount_fen=0 if verdict is Verdict.NOT_ELIGIBLE else amount.fen,
        amount_explanation=explanation,
        outcomes=outcomes,
        to_confirm=tuple(dict.fromkeys(to_confirm)),
        item_version=item.version,
        policy_version=policy.version,
        exclusivity_group=item.exclusivity_group,
        payable_fen=(amount.fen or 0) if verdict is Verdict.ELIGIBLE else 0,
    )


def _could_pay_more(result: ItemResult, winner: ItemResult) -> bool:
    return result.verdict is Verdict.NEEDS_CONFIRMATION and (
        result.amount_fen is None or result.amount_fen > (winner.amount_fen or 0)
    )


def resolve_group(results: list[ItemResult]) -> list[ItemResult]:
    """Pay only the highest eligible item of one group (results in pack order: first wins a tie)."""
    eligible = [r for r in results if r.verdict is Verdict.ELIGIBLE]
    if not eligible:
        return results
    winner = max(eligible, key=lambda r: (r.amount_fen or 0, -results.index(r)))
    pending = [r.title for r in results if _could_pay_more(r, winner)]
    resolved = []
    for r in results:
        if r is winner:
            note = f"同组“{'”“'.join(pending)}”待确认，确认后按最高标准可能改享该项" if pending else ""
            resolved.append(replace(r, exclusivity_note=note))
        elif r.verdict is not Verdict.NOT_ELIGIBLE:
            paid = format_amount(winner.amount_fen or 0)
            note = f"同组已按最高标准享受“{winner.title}”（{paid}），本项不重复奖励"
            resolved.append(replace(r, payable_fen=0, exclusivity_note=note))
        else:
            resolved.append(r)
    return resolved


def apply_exclusivity(results: list[ItemResult]) -> list[ItemResult]:
    groups: dict[str, list[int]] = {}
    for index, r in enumerate(results):
        if r.exclusivity_group:
            groups.setdefault(r.exclusivity_group, []).append(index)
    resolved = list(results)
    for indexes in groups.values():
        for index, r in zip(indexes, resolve_group([results[i] for i in indexes]), strict=True):
            resolved[index] = r
    return resolved


def current_items(pack: Pack, as_of: dt.date) -> list[tuple[Policy, Item]]:
    return [(p, i) for p, i in pack.items() if i.is_current(as_of)]


def calculate(pack: Pack, profile: Mapping[str, object] | Profile, as_of: dt.date) -> Calculation:
    """Every item current on `as_of`, evaluated for one enterprise. Bad profile data raises
    ProfileError with Chinese messages."""
    known = profile_from(profile)
    results = [evaluate_item(p, i, known, as_of) for p, i in current_items(pack, as_of)]
    return Calculation(as_of, tuple(apply_exclusivity(results)))
