"""The demo's 政策找企业: the shipped packs stored and one batch match run as of the demo district's
data day, which also opens the 政策兑现 story (`demo.entitlements`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from yingshang.core import clock
from yingshang.core.money import format_amount
from yingshang.demo import entitlements as demo_entitlements
from yingshang.demo.entitlements import DemoEntitlements
from yingshang.demo.tables import AS_OF as DEMO_DAY
from yingshang.policies.models import MatchRun, PolicyPack
from yingshang.policies.services import latest_match_run, start_match_run, sync_shipped_packs


@dataclass
class DemoPolicies:
    packs: list[PolicyPack] = field(default_factory=list)
    run: MatchRun | None = None
    entitlements: DemoEntitlements | None = None


def load_demo_policies(on_step: Callable[[str], None] | None = None) -> DemoPolicies:
    """Store the shipped packs and, unless a finished match over the same pack versions exists, run
    one batch match synchronously, so the calculator, results and what-if pages show real numbers.
    The run is as of the demo district's data day (registry.demo.AS_OF), not the wall clock, so the
    demo shows the same numbers every time it is built."""
    say = on_step or (lambda text: None)
    packs = sync_shipped_packs()
    say(f"政策包 {len(packs)} 个：{'、'.join(p.title for p in packs)}")
    latest = latest_match_run()
    working = {p.pk for p in packs}
    if latest is not None and set(latest.packs.values_list("pk", flat=True)) == working:
        say(f"已有批量匹配结果（批次 {latest.pk}），不再重复运行")
        return DemoPolicies(packs, latest, demo_entitlements.load_demo_entitlements(latest, say))
    started = time.perf_counter()
    # The match opens the demo's 政策兑现 story, replayed on the working days before today.
    with clock.travel(demo_entitlements.match_moment()):
        run = start_match_run(None, DEMO_DAY, runner="inline")
    if run.state != "done":
        raise RuntimeError(run.error)
    say(
        f"批量匹配完成（测算日期 {DEMO_DAY}，用时 {time.perf_counter() - started:.1f} 秒）："
        f"{run.entity_count:,} 户 × {run.item_count} 项，符合 {run.eligible_count:,} 对、"
        f"需确认 {run.needs_confirmation_count:,} 对，不重复奖后应兑付 {format_amount(run.total_amount_fen)}"
    )
    return DemoPolicies(packs, run, demo_entitlements.load_demo_entitlements(run, say))
