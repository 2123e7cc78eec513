"""政策兑现报表 (reports.py): counts, amounts, 知晓率, working days, scope and the .xlsx."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from yingshang.core.clock import SHANGHAI
from yingshang.entitlements.models import Entitlement, LedgerSync
from yingshang.entitlements.reports import Line, ReportFilter, build_report, possible_notes, report_workbook
from yingshang.entitlements.services import (
    create_entitlements_from_run,
    mark_seen,
    push_entitlements,
    push_for_confirmation,
)
from yingshang.entitlements.workflow import State
from yingshang.policies.models import MatchResult, RewardItem
from yingshang.policies.services import sync_shipped_packs
from yingshang.policies.testing import finished_match, store_city_wide_packs
from yingshang.registry.models import Enterprise
from yingshang.registry.testing import make_enterprise, make_uscc

HNTE = "xx18_art3_hnte"  # 免申即享, 区科技局 below
RD = "ex_rd_subsidy"  # 快申快享, 区工信局 below
BACKBONE = "xx18_art3_srdi_backbone"  # 需确认 for acme in the shipped packs
ON = dt.date(2026, 11, 2)  # the day overdue is judged against


def at(day: str, clock: str = "10:00", zone: ZoneInfo = SHANGHAI) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=zone)


def entitlement(
    enterprise: Enterprise,
    key: str,
    *,
    department: str,
    matched: dt.datetime,
    amount_fen: int | None,
    state: State = State.MATCHED,
    pushed: dt.datetime | None = None,
    seen: dt.datetime | None = None,
    confirmed: dt.datetime | None = None,
    paid_on: dt.date | None = None,
    paid_fen: int | None = None,
    due_on: dt.date | None = None,
    rejection_reason: str = "",
) -> Entitlement:
    """An entitlement as the workflow would have left it, written directly (states set by hand)."""
    item = RewardItem.objects.get(key=key, policy__pack__is_working=True)
    return Entitlement.objects.create(
        enterprise=enterprise,
        district=enterprise.district,
        item_key=key,
        item=item,
        item_version=item.version,
        department=department,
        mode=item.mode,
        verdict="eligible",
        amount_fen=amount_fen,
        state=state.value,
        matched_at=matched,
        pushed_at=pushed,
        seen_at=seen,
        confirmed_at=confirmed,
        paid_on=paid_on,
        paid_fen=paid_fen,
        voucher_no=f"V-{enterprise.pk}-{key}" if paid_on else "",
        due_on=due_on,
        rejection_reason=rejection_reason,
    )


@dataclass
class Cases:
    e2: Enterprise
    e3: Enterprise
    j2: Enterprise


@pytest.fixture
def cases(world) -> Cases:
    """渭滨区: 3 高企 entitlements (1 paid, 1 pushed and overdue, 1 matched in August) and 3 研发补助
    (paid, approved, rejected); 金台区: 2 高企 (1 paid). Numbers in the tests below follow from these."""
    sync_shipped_packs()
    e2 = make_enterprise(make_uscc("91610302MA6X00003"), "宝鸡市渭滨区二号有限公司", world.weibin)
    e3 = make_enterprise(make_uscc("91610302MA6X00004"), "宝鸡市渭滨区三号有限公司", world.weibin)
    j2 = make_enterprise(make_uscc("91610303MA6X00005"), "宝鸡市金台区二号有限公司", world.jintai)
    tech, industry = "区科技局", "区工信局"
    # 2026-09-28 → 2026-10-12 across National Day: 09-29, 09-30, 10-08, 10-09, 10-10 (调休), 10-12 = 6.
    entitlement(
        world.acme,
        HNTE,
        department=tech,
        matched=at("2026-09-28"),
        pushed=at("2026-09-28", "11:00"),
        seen=at("2026-09-29"),
        amount_fen=10_000_000,
        state=State.PAID,
        paid_on=dt.date(2026, 10, 12),
        paid_fen=10_000_000,
        due_on=dt.date(2026, 10, 1),  # paid: never overdue
    )
    entitlement(
        e2,
        HNTE,
        department=tech,
        matched=at("2026-09-28"),
        pushed=at("2026-09-28", "11:00"),
        amount_fen=10_000_000,
        state=State.PUSHED,
        due_on=dt.date(2026, 10, 1),
    )
    entitlement(e3, HNTE, department=tech, matched=at("2026-08-14"), amount_fen=10_000_000)
    # Matched at 01:00 北京时间 on 09-30 (still 09-29 in UTC): 09-30 → 10-09 is 2 working days.
    entitlement(
        world.acme,
        RD,
        department=industry,
        matched=at("2026-09-29", "17:00", ZoneInfo("UTC")),
        pushed=at("2026-09-30"),
        seen=at("2026-09-30", "12:00"),
        confirmed=at("2026-10-08"),
        amount_fen=5_000_012,
        state=State.PAID,
        paid_on=dt.date(2026, 10, 9),
        paid_fen=5_000_012,
    )
    entitlement(
        e2,
        RD,
        department=industry,
        matched=at("2026-09-28"),
        pushed=at("2026-09-28"),
        seen=at("2026-10-09"),
        confirmed=at("2026-10-09"),
        amount_fen=2_000_000,
        state=State.APPROVED,
    )
    entitlement(
        e3,
        RD,
        department=industry,
        matched=at("2026-09-28"),
        pushed=at("2026-09-28"),
        confirmed=at("2026-10-09"),
        amount_fen=3_000_000,
        state=State.REJECTED,
        rejection_reason="研发费用加计扣除数据与申报不符",
    )
    entitlement(
        world.bolt,
        HNTE,
        department=tech,
        matched=at("2026-09-28"),
        pushed=at("2026-09-28"),
        seen=at("2026-09-28", "15:00"),
        amount_fen=10_000_000,
        state=State.PAID,
        paid_on=dt.date(2026, 10, 12),
        paid_fen=10_000_000,
    )
    entitlement(j2, HNTE, department=tech, matched=at("2026-09-28"), amount_fen=None)
    return Cases(e2=e2, e3=e3, j2=j2)


def by_key(lines: list[Line]) -> dict[str, Line]:
    return {line.key: line for line in lines}


def test_a_clerk_sees_each_stage_of_its_own_district_per_item(world, cases):
    report = build_report(world.clerk, ReportFilter(), on=ON)
    hnte = by_key(report.by_item)[HNTE]
    assert (hnte.candidates, hnte.pushed, hnte.seen, hnte.paid) == (3, 2, 1, 1)
    assert hnte.awareness == Decimal("0.5")
    assert hnte.awareness_percent == "50.0%"
    assert (hnte.certain_fen, hnte.approved_fen, hnte.paid_fen) == (30_000_000, 10_000_000, 10_000_000)
    assert hnte.overdue == 1
    assert hnte.needs_confirmation == 0  # 免申即享 with full data: nothing to confirm
    assert hnte.label == "新认定（复审）国家高新技术企业奖励"
    assert hnte.mode == "免申即享"


def test_a_clerk_s_numbers_exclude_the_other_district(world, cases):
    report = build_report(world.clerk, ReportFilter(), on=ON)
    assert report.scope == "渭滨区"
    assert report.city_wide is False
    assert report.by_district == []
    assert (report.total.candidates, report.total.paid) == (6, 2)
    assert report.total.paid_fen == 15_000_012
    other = build_report(world.other_clerk, ReportFilter(), on=ON)
    assert other.scope == "金台区"
    assert (other.total.candidates, other.total.pushed, other.total.paid) == (2, 1, 1)
    assert other.total.certain_fen == 10_000_000  # the entitlement without an amount adds nothing


def test_a_clerk_cannot_widen_its_scope_with_the_district_filter(world, cases):
    report = build_report(world.clerk, ReportFilter(district=world.jintai), on=ON)
    assert report.scope == "渭滨区"
    assert report.total.candidates == 6


def test_the_office_sees_the_whole_city_per_district(world, cases):
    report = build_report(world.admin, ReportFilter(), on=ON)
    assert report.scope == "全市"
    assert report.total.candidates == 8
    districts = {line.label: line for line in report.by_district}
    assert (districts["渭滨区"].candidates, districts["金台区"].candidates) == (6, 2)
    assert districts["金台区"].days == [6]
    narrowed = build_report(world.admin, ReportFilter(district=world.jintai), on=ON)
    assert narrowed.scope == "金台区"
    assert narrowed.total.candidates == 2


def test_a_quick_item_counts_confirmations_approvals_and_rejections(world, cases):
    rd = by_key(build_report(world.clerk, ReportFilter(), on=ON).by_item)[RD]
    assert (rd.candidates, rd.pushed, rd.seen, rd.needs_confirmation, rd.confirmed) == (3, 3, 2, 3, 3)
    assert (rd.approved, rd.rejected, rd.paid) == (2, 1, 1)
    assert rd.awareness_percent == "66.7%"
    assert (rd.certain_fen, rd.approved_fen, rd.paid_fen) == (10_000_012, 7_000_012, 5_000_012)
    assert rd.overdue == 0


def test_per_department_lines_add_up_the_items_they_lead(world, cases):
    departments = by_key(build_report(world.clerk, ReportFilter(), on=ON).by_department)
    assert set(departments) == {"区科技局", "区工信局"}
    assert departments["区科技局"].candidates == 3
    assert departments["区工信局"].paid_fen == 5_000_012
    assert departments["区工信局"].days == [2]


def test_working_days_from_match_to_payment_follow_the_holiday_calendar(world, cases):
    report = build_report(world.clerk, ReportFilter(), on=ON)
    items = by_key(report.by_item)
    assert items[HNTE].days == [6]  # across National Day, with the 调休 Saturday 10-10 counted
    assert items[RD].days == [2]  # the day of the match is the day in 北京时间, not in UTC
    assert sorted(report.total.days) == [2, 6]
    assert (report.total.days_median, report.total.days_mean) == (Decimal("4.0"), Decimal("4.0"))
    city = build_report(world.admin, ReportFilter(), on=ON).total
    assert (city.days_median, city.days_mean) == (Decimal("6.0"), Decimal("4.7"))


def test_a_payment_in_a_year_the_calendar_does_not_know_is_counted_but_not_timed(world, cases):
    Entitlement.objects.filter(enterprise=world.bolt).update(paid_on=dt.date(2027, 1, 5))
    report = build_report(world.other_clerk, ReportFilter(), on=ON)
    assert report.total.paid == 1
    assert report.total.days == []
    assert report.total.days_median is None
    assert len(report.calendar_problems) == 1
    assert report.calendar_problems[0].startswith("1 笔兑付未计入工作日统计：2027年")


def test_the_period_is_the_day_of_matching_in_beijing_time(world, cases):
    september = build_report(
        world.clerk, ReportFilter(start=dt.date(2026, 9, 1), end=dt.date(2026, 9, 29)), on=ON
    )
    items = by_key(september.by_item)
    assert items[HNTE].candidates == 2  # the August match is before the period
    assert items[RD].candidates == 2  # 01:00 on 09-30 in 北京时间 is after it
    august = build_report(world.clerk, ReportFilter(end=dt.date(2026, 8, 31)), on=ON)
    assert august.total.candidates == 1


def test_the_item_filter_keeps_one_item(world, cases):
    report = build_report(world.clerk, ReportFilter(item_key=RD), on=ON)
    assert [line.key for line in report.by_item] == [RD]
    assert report.total.candidates == 3


def test_a_paid_entitlement_archived_afterwards_still_counts_as_approved_and_paid(world, cases):
    Entitlement.objects.filter(enterprise=world.acme, item_key=HNTE).update(
        state=State.ARCHIVED, archived_at=at("2026-10-20")
    )
    Entitlement.objects.filter(enterprise=cases.e3, item_key=RD).update(state=State.ARCHIVED)
    rd = by_key(build_report(world.clerk, ReportFilter(), on=ON).by_item)
    assert (rd[HNTE].approved, rd[HNTE].paid) == (1, 1)
    assert (rd[RD].approved, rd[RD].rejected) == (2, 1)  # archived after rejection stays rejected


def test_an_empty_report_shows_no_rate_and_no_days(world):
    report = build_report(world.clerk, ReportFilter(), on=ON)
    assert report.by_item == []
    assert report.total.candidates == 0
    assert report.total.awareness is None
    assert report.total.awareness_percent == "—"
    assert report.total.days_median is None


def test_the_workbook_holds_exact_yuan_and_the_rate_as_a_fraction(world, cases):
    book = load_workbook(io.BytesIO(report_workbook(build_report(world.clerk, ReportFilter(), on=ON))))
    assert book.sheetnames == ["按奖补事项", "按牵头部门"]  # no district sheet for a district's clerk
    sheet = book["按奖补事项"]
    rows = list(sheet.iter_rows(values_only=True))
    assert str(rows[0][0]).startswith("政策兑现报表（渭滨区）·按奖补事项：")  # the caption, then the header
    headers = rows[1]
    assert headers[0] == "奖补事项"
    lines = {row[0]: dict(zip(headers, row, strict=True)) for row in rows[2:]}
    rd = lines["研发费用补助"]
    assert rd["台账（户·项）"] == 3
    assert rd["审核通过金额（元）"] == 70000.12
    assert rd["实际兑付金额（元）"] == 50000.12
    assert rd["知晓率"] == pytest.approx(2 / 3)
    assert lines["合计"]["实际兑付金额（元）"] == 150000.12
    assert lines["合计"]["比对至兑付工作日（中位数）"] == 4
    assert sheet.cell(row=3, column=headers.index("实际兑付金额（元）") + 1).number_format == "#,##0.00"
    assert sheet.cell(row=3, column=headers.index("知晓率") + 1).number_format == "0.0%"


def test_the_office_workbook_has_a_district_sheet(world, cases):
    book = load_workbook(io.BytesIO(report_workbook(build_report(world.admin, ReportFilter(), on=ON))))
    assert book.sheetnames == ["按奖补事项", "按牵头部门", "按区县"]
    names = [row[0] for row in book["按区县"].iter_rows(min_row=3, values_only=True)]
    assert names == ["渭滨区", "金台区", "合计"]


def test_the_report_costs_the_same_queries_however_many_entitlements_there_are(world, cases):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            build_report(world.admin, ReportFilter(), on=ON)
        return len(captured)

    before = queries()
    for n in range(6, 16):
        enterprise = make_enterprise(
            make_uscc(f"91610302MA6X000{n:02d}"), f"宝鸡市渭滨区{n}号有限公司", world.weibin
        )
        entitlement(
            enterprise,
            HNTE,
            department="区科技局",
            matched=at("2026-09-28"),
            amount_fen=100,
            state=State.PAID,
            paid_on=dt.date(2026, 10, 12),
            paid_fen=100,
        )
    assert queries() == before


def test_the_report_follows_entitlements_made_and_pushed_by_the_service(world):
    store_city_wide_packs()
    run = finished_match(world.admin)
    create_entitlements_from_run(run)
    LedgerSync.objects.create(run=run, state="done", finished_at=run.finished_at)
    push_for_confirmation(run, BACKBONE, by=world.admin)
    acme = list(Entitlement.objects.filter(enterprise=world.acme).order_by("pk"))
    bolt = Entitlement.objects.filter(enterprise=world.bolt).count()
    assert len(acme) >= 2 and bolt >= 1
    push_entitlements(acme, by=world.admin)
    mark_seen(acme[0])

    clerk = build_report(world.clerk, ReportFilter())
    assert (clerk.total.candidates, clerk.total.pushed, clerk.total.seen) == (len(acme), len(acme), 1)
    certain = [e for e in acme if e.verdict == "eligible"]
    assert clerk.total.certain == len(certain)
    assert clerk.total.certain_fen == sum(e.amount_fen or 0 for e in certain)
    assert clerk.total.possible_fen == 300_000_00  # the pushed 需确认 one: possible, not certain
    city = build_report(world.admin, ReportFilter())
    assert city.total.candidates == len(acme) + bolt


def test_possible_pairs_nobody_pushed_are_said_beside_the_report_and_never_added_to_it(world):
    store_city_wide_packs()
    run = finished_match(world.admin)
    create_entitlements_from_run(run)
    LedgerSync.objects.create(run=run, state="done", finished_at=run.finished_at)
    weibin_possible = MatchResult.objects.filter(run=run, verdict="needs_confirmation", district=world.weibin)
    report = build_report(world.clerk, ReportFilter())
    assert report.unpushed is not None
    assert report.unpushed.pairs == weibin_possible.count() > 0
    assert report.unpushed.possible_fen == sum(r.amount_fen or 0 for r in weibin_possible)
    assert report.total.candidates == report.total.certain == Entitlement.objects.count()
    [note] = possible_notes(report)
    assert f"另有 {weibin_possible.count():,} 户·项因数据不全需企业确认" in note
    assert "不计入本报表" in note
    rows = [
        row[0]
        for row in load_workbook(io.BytesIO(report_workbook(report))).active.iter_rows(values_only=True)
    ]
    assert note in rows


def test_another_district_reads_none_of_this_district_s_possible_pairs(world):
    store_city_wide_packs()
    run = finished_match(world.admin)
    create_entitlements_from_run(run)
    LedgerSync.objects.create(run=run, state="done", finished_at=run.finished_at)
    jintai = MatchResult.objects.filter(run=run, verdict="needs_confirmation", district=world.jintai).count()
    report = build_report(world.other_clerk, ReportFilter())
    assert report.unpushed is not None and report.unpushed.pairs == jintai


def test_before_the_first_ledger_there_is_nothing_beside_the_report(world, cases):
    report = build_report(world.clerk, ReportFilter(), on=ON)
    assert report.unpushed is None and possible_notes(report) == []
