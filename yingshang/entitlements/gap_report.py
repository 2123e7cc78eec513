"""数据缺口报表: per missing profile datum, how many enterprises lack it, how much money waits on it
and which department supplies it, read from the 需确认 results of the ledger's batch match in the
reader's district. The counting is the `gaps` engine's; this module reads the rows and names things.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from yingshang.core.money import to_yuan
from yingshang.core.scope import scoped
from yingshang.core.spreadsheets import Sheet, write_workbook
from yingshang.entitlements.gaps import AMOUNT_GAP, Gap, Tally, ranked, tally_gaps
from yingshang.entitlements.services import ledger_run
from yingshang.policies.models import MatchResult, MatchRun
from yingshang.policies.rules.fields import field_registry, qualification_kinds
from yingshang.registry.models import User

AMOUNT_LABEL = "计算金额所需的数据（金额待定）"
UNKNOWN_SOURCE = "（未注明）"


@dataclass
class GapLine:
    key: str
    label: str
    source: str
    gap: Gap


@dataclass
class GapReport:
    scope: str
    run: MatchRun | None
    lines: list[GapLine] = field(default_factory=list)
    sources: list[Gap] = field(default_factory=list)
    tally: Tally | None = None


@cache
def describe_gap(key: str) -> tuple[str, str]:
    """(Chinese name, supplying department) of a missing datum key. Asked once per key and row of a
    run's 需确认 results (100,000s), from tables that never change while the process runs: remembered."""
    if key == AMOUNT_GAP:
        return AMOUNT_LABEL, "按事项而定（见事项的金额公式）"
    if key.startswith("qual."):
        kind = qualification_kinds().get(key.removeprefix("qual."))
        if kind is not None:
            return f"{kind.label}认定记录", kind.source
        return key, UNKNOWN_SOURCE
    profile_field = field_registry().get(key)
    if profile_field is None:
        return key, UNKNOWN_SOURCE
    return profile_field.label, profile_field.source


def build_gap_report(user: User) -> GapReport:
    """The report `user` may read: its district's 需确认 pairs of the ledger's run (city-wide staff:
    the whole city). Before the first ledger there is nothing to read."""
    jurisdiction = user.jurisdiction
    scope = jurisdiction.name if jurisdiction is not None else "全市"
    run = ledger_run()
    if run is None:
        return GapReport(scope, None)
    rows = (
        scoped(MatchResult.objects.filter(run=run, verdict="needs_confirmation"), user)
        .order_by()
        .values_list("enterprise_id", "amount_fen", "reason_codes")
    )
    tally = tally_gaps(rows.iterator(chunk_size=10_000), lambda key: describe_gap(key)[1])
    lines = []
    for gap in ranked(tally.by_key.values()):
        label, source = describe_gap(gap.key)
        lines.append(GapLine(gap.key, label, source, gap))
    return GapReport(scope, run, lines, ranked(tally.by_source.values()), tally)


HEADERS = (
    "缺少的数据",
    "提供部门",
    "因此待确认的企业（户）",
    "待确认（户·项）",
    "涉及金额（元）",
    "其中金额待定（户·项）",
    "仅缺此项（户·项）",
    "仅缺此项的金额（元）",
)
SOURCE_HEADERS = (
    "提供部门",
    "因此待确认的企业（户）",
    "待确认（户·项）",
    "涉及金额（元）",
    "其中金额待定（户·项）",
    "只缺该部门数据（户·项）",
    "该部门数据共享后可确定的金额（元）",
)


def _figures(gap: Gap) -> list[object]:
    return [
        gap.enterprise_count,
        gap.pairs,
        to_yuan(gap.possible_fen),
        gap.amount_pending,
        gap.alone_pairs,
        to_yuan(gap.alone_fen),
    ]


def gap_workbook(report: GapReport) -> bytes:
    """Both tables as .xlsx in the house style (names are text, money exact yuan)."""
    basis = f"依据批次 {report.run.pk} 的需确认结果" if report.run is not None else "尚无兑现台账"
    money = "#,##0.00"
    return write_workbook(
        [
            Sheet(
                title="按数据项",
                headers=list(HEADERS),
                rows=[[line.label, line.source, *_figures(line.gap)] for line in report.lines],
                caption=f"数据缺口报表（{report.scope}）·按数据项：{basis}",
                formats={4: money, 7: money},
            ),
            Sheet(
                title="按提供部门",
                headers=list(SOURCE_HEADERS),
                rows=[[gap.key, *_figures(gap)] for gap in report.sources],
                caption=f"数据缺口报表（{report.scope}）·按提供部门：{basis}",
                formats={3: money, 6: money},
            ),
        ]
    )
