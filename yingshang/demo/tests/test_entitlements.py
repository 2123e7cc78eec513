"""政策兑现 in the demo: after loading, entitlements in every state (with one flagged and one overdue), an
open and an ended 公示, payments with voucher numbers made through a 拨付批次, messages, and the demo
enterprise's 企业码 page showing them; written through the services with their history, on past working
days; a second load changes nothing."""

from __future__ import annotations

import datetime as dt
import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from yingshang.conftest import World
from yingshang.core import clock
from yingshang.demo import district as demo
from yingshang.demo import entitlements as demo_entitlements
from yingshang.demo import generate, tables
from yingshang.demo.policies import DemoPolicies, load_demo_policies
from yingshang.entitlements.models import Entitlement, Objection, Outreach, PaymentBatch, PublicNotice
from yingshang.entitlements.services import (
    create_entitlements_from_run,
    overdue_entitlements,
    reviewable_by,
    timeline,
)
from yingshang.entitlements.workflow import State
from yingshang.notifications.models import Message
from yingshang.policies import services
from yingshang.policies.models import MatchRun
from yingshang.portal.services import enterprise_code_url
from yingshang.registry.models import Enterprise, Qualification, User
from yingshang.workdays.services import get_calendar

ENTITIES = 200  # enough 渭滨区 enterprises for every role of the story, few enough to load in seconds
SHANGHAI = clock.SHANGHAI


@pytest.fixture
def loaded(db) -> DemoPolicies:
    demo.load_demo(ENTITIES, progress=False)
    return load_demo_policies()


@pytest.fixture
def showcase(loaded) -> Enterprise:
    return Enterprise.objects.get(uscc=generate.showcase_uscc())


def everything() -> dict[str, int]:
    """Row counts of what the story writes, history included."""
    return {
        "entitlements": Entitlement.objects.count(),
        "history": Entitlement.history.count(),
        "messages": Message.objects.count(),
        "notices": PublicNotice.objects.count(),
        "objections": Objection.objects.count(),
        "runs": MatchRun.objects.count(),
        "batches": PaymentBatch.objects.count(),
    }


def test_after_loading_there_are_entitlements_in_every_state(loaded, showcase) -> None:
    counts = loaded.entitlements.counts  # of the demo enterprise's district, where the story is
    district = Entitlement.objects.filter(district=showcase.district)
    for state in (
        State.MATCHED,
        State.PUSHED,
        State.CONFIRMED,
        State.APPROVED,
        State.REJECTED,
        State.PUBLICIZED,
        State.PAID,
        State.ARCHIVED,
    ):
        assert district.filter(state=state.value).exists(), state.label
        assert counts[state.value] == district.filter(state=state.value).count()
    assert counts["needs_review"] == 1
    assert counts["overdue"] == 1


def test_the_flagged_one_is_in_the_open_publicity_with_an_objection_and_the_overdue_one_waits_for_review(
    loaded,
) -> None:
    flagged = Entitlement.objects.get(needs_review=True)
    assert flagged.state == State.PUBLICIZED and "异议" in flagged.review_reason
    assert Objection.objects.filter(entitlement=flagged, state="open").exists()
    overdue = services_overdue()
    assert overdue.state == State.CONFIRMED
    assert overdue.due_on < clock.today()


def services_overdue() -> Entitlement:
    (overdue,) = overdue_entitlements()
    return overdue


def test_one_publicity_list_is_open_and_one_has_ended_and_been_paid(loaded) -> None:
    today = clock.today()
    ended, open_ = PublicNotice.objects.order_by("starts_on")
    assert ended.title == demo_entitlements.NOTICE_TITLES[0] and ended.ends_on < today
    assert open_.title == demo_entitlements.NOTICE_TITLES[1] and open_.starts_on <= today <= open_.ends_on
    assert not ended.entitlements.filter(state=State.PUBLICIZED.value).exists()
    paid = Entitlement.objects.filter(state__in=[State.PAID.value, State.ARCHIVED.value])
    assert {e.notice_id for e in paid} == {ended.pk}
    for e in paid:
        assert e.voucher_no.startswith("WBCZ") and e.paid_fen == e.amount_fen
        assert ended.ends_on < e.paid_on < today
    assert open_.entitlements.filter(state=State.PUBLICIZED.value).count() == 3
    assert Objection.objects.filter(notice=ended, state="dismissed").count() == 1


def test_the_paid_items_went_through_one_settled_payment_batch_the_batch_pages_can_show(loaded) -> None:
    (batch,) = PaymentBatch.objects.all()
    paid = Entitlement.objects.filter(state__in=[State.PAID.value, State.ARCHIVED.value])
    assert batch.state == "settled" and batch.settled_at is not None
    assert set(batch.entitlements.values_list("pk", flat=True)) == set(paid.values_list("pk", flat=True))
    assert batch.count == paid.count() and batch.total_fen == sum(e.paid_fen for e in paid)
    assert batch.district.name == "渭滨区" and batch.created_by.username == "admin"
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    page = admin.get(reverse("entitlements:batch_list")).content.decode()
    assert batch.number in page and "已登记兑付" in page and "还没有拨付批次" not in page


def test_every_step_is_in_the_history_on_past_working_days_by_the_demo_admin(loaded, showcase) -> None:
    admin = User.objects.get(username="admin")
    calendar = get_calendar()
    paid = Entitlement.objects.get(enterprise=showcase, state=State.PAID.value)
    entries = timeline(paid)
    assert [entry.action for entry in entries] == [
        f"比对生成（批次 {loaded.run.pk}）",
        "推送",
        "企业首次查看",
        "审核通过",
        "公示",
        f"导出拨付文件（{paid.payment_batch.number}）",
        "登记兑付",
    ]
    moments = [entry.when for entry in entries]
    assert moments == sorted(moments) and moments[-1] < clock.now()
    assert all(calendar.is_workday(clock.local(m).date()) for m in moments)
    assert {r.history_user_id for r in paid.history.all() if r.history_change_reason in ("推送", "公示")} == {
        admin.pk
    }
    for e in Entitlement.objects.exclude(state=State.MATCHED.value):
        reasons = [r.history_change_reason for r in e.history.order_by("history_date", "history_id")]
        assert reasons[0].startswith(("比对生成", "核实推送")) and "推送" in reasons, (e.pk, reasons)


def test_the_bureau_clerk_reviews_what_its_bureau_leads_and_the_office_the_rest(loaded) -> None:
    reviewer, admin = User.objects.get(username="reviewer"), User.objects.get(username="admin")
    reviewed = Entitlement.objects.filter(reviewed_by__isnull=False)
    assert (
        reviewed.filter(department="区工信局").exists() and reviewed.exclude(department="区工信局").exists()
    )
    for e in reviewed:
        assert e.reviewed_by_id == (reviewer.pk if e.department == "区工信局" else admin.pk), e.department


def test_the_run_is_dated_on_the_first_day_of_the_story(loaded) -> None:
    first = PublicNotice.objects.order_by("starts_on").first().starts_on
    started = clock.local(loaded.run.created_at).date()
    assert started < first
    assert get_calendar().workdays_between(started, first) == 3


def test_the_demo_enterprise_has_messages_some_read_and_its_sms_went_out(loaded, showcase) -> None:
    inbox = Message.objects.filter(enterprise=showcase, channel="inbox")
    subjects = list(inbox.values_list("subject", flat=True))
    assert any(s.startswith("政策兑现提醒") for s in subjects)
    assert any(s.startswith("政策兑现审核结果") for s in subjects)
    assert any(s.startswith("政策兑现到账提醒") for s in subjects)
    assert inbox.filter(read_at__isnull=False).exists() and inbox.filter(read_at__isnull=True).exists()
    assert Message.objects.filter(enterprise=showcase, channel="sms", status="sent").exists()
    assert Entitlement.objects.filter(enterprise=showcase, seen_at__isnull=False).exists()


def test_the_code_link_opens_a_page_that_shows_paid_publicized_rejected_and_waiting_items(showcase) -> None:
    response = Client().get(enterprise_code_url(showcase), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert showcase.name in page
    for label in ("已兑付", "公示中", "审核不通过", "已推送", "待确认事项"):
        assert label in page, label


def test_the_enterprise_login_sees_the_same_page(loaded, showcase) -> None:
    company = User.objects.get(username="company")
    assert company.enterprise_id == showcase.pk
    client = Client()
    client.force_login(company)
    page = client.get("/e/").content.decode()
    assert "已兑付" in page and "公示中" in page


def test_a_second_load_creates_nothing(loaded) -> None:
    before = everything()
    again = load_demo_policies()
    assert everything() == before
    assert again.entitlements.created == 0 and not again.entitlements.replayed
    assert again.entitlements.code_path == loaded.entitlements.code_path


def test_a_load_after_a_later_match_run_changes_nothing(loaded) -> None:
    """The office runs its own match later; loading the demo again neither syncs the ledger from the
    demo's run nor flags anything 待复核."""
    # The registry moved on: one 高企 lost its certificate, another enterprise gained one.
    lost = Qualification.objects.filter(kind="hnte", enterprise__district__name="渭滨区").first()
    gained = (
        Enterprise.objects.filter(district=lost.enterprise.district, entity_type="enterprise")
        .exclude(qualifications__kind="hnte")
        .first()
    )
    Qualification.objects.create(
        enterprise=gained, kind="hnte", level="national", certified_on=lost.certified_on
    )
    lost.delete()
    services.start_match_run(None, demo.AS_OF, runner="inline")  # its ledger not made (yet)
    before = everything() | {"flagged": Entitlement.objects.filter(needs_review=True).count()}
    again = load_demo_policies()
    assert everything() | {"flagged": Entitlement.objects.filter(needs_review=True).count()} == before
    assert again.entitlements.created == 0 and not again.entitlements.replayed


def test_the_cast_is_chosen_with_a_fixed_seed(db) -> None:
    demo.load_demo(ENTITIES, progress=False)
    services.sync_shipped_packs()
    with clock.travel(demo_entitlements.match_moment()):
        run = services.start_match_run(None, tables.AS_OF, runner="inline")
        services_create(run)
    showcase = Enterprise.objects.get(uscc=generate.showcase_uscc())
    admin = User.objects.get(username="admin")
    demo_entitlements._enlist(run, showcase, admin, random.Random(demo_entitlements.SEED))

    def picks() -> list[tuple[str, int]]:
        cast = demo_entitlements._choose_cast(showcase, random.Random(demo_entitlements.SEED))
        return sorted((role, e.pk) for role, e in [*cast.showcase.items(), *cast.others.items()])

    first = picks()
    assert first == picks()
    assert len(first) == len(demo_entitlements.SHOWCASE_ROLES) + len(demo_entitlements.OTHER_ROLES)


def services_create(run: MatchRun) -> None:
    create_entitlements_from_run(run)


@pytest.mark.parametrize(
    ("now", "last_day"),
    [
        (dt.datetime(2026, 11, 20, 15, 0), dt.date(2026, 11, 20)),  # a Friday afternoon: that Friday
        (dt.datetime(2026, 11, 20, 9, 0), dt.date(2026, 11, 19)),  # its morning: the day before
        (dt.datetime(2026, 11, 22, 12, 0), dt.date(2026, 11, 20)),  # a Sunday: the Friday before
        (dt.datetime(2026, 10, 10, 12, 0), dt.date(2026, 10, 10)),  # 国庆's make-up working Saturday
        (dt.datetime(2026, 10, 5, 12, 0), dt.date(2026, 9, 30)),  # inside the 国庆 holiday
    ],
)
def test_the_story_ends_on_the_last_working_day_whose_morning_has_passed(db, now, last_day) -> None:
    days = demo_entitlements.story_days(now.replace(tzinfo=SHANGHAI), 17)
    assert days[-1] == last_day and len(days) == 18
    calendar = get_calendar()
    assert all(calendar.is_workday(day) for day in days)
    assert calendar.workdays_between(days[0], days[-1]) == 17


def test_outside_the_demo_district_nothing_is_replayed(world: World) -> None:
    loaded = load_demo_policies()
    assert loaded.entitlements.skipped and not loaded.entitlements.replayed
    assert not PublicNotice.objects.exists() and not Entitlement.objects.exists()


def test_in_a_year_the_calendar_does_not_know_the_demo_loads_without_the_story(db) -> None:
    demo.load_demo(ENTITIES, progress=False)
    with clock.travel(dt.datetime(2027, 3, 3, 12, 0, tzinfo=SHANGHAI)):
        loaded = load_demo_policies()
    assert loaded.run is not None and loaded.run.state == "done"
    assert "2027" in loaded.entitlements.skipped and "未生成政策兑现演示数据" in loaded.entitlements.skipped
    assert not Entitlement.objects.exists() and not PublicNotice.objects.exists()


def test_the_demo_command_prints_the_enterprise_login_and_its_code_link(db) -> None:
    out = StringIO()
    call_command("load_demo", "--entities", str(ENTITIES), stdout=out)
    printed = out.getvalue()
    showcase = Enterprise.objects.get(uscc=generate.showcase_uscc())
    assert "用企业用户 company 登录" in printed
    assert enterprise_code_url(showcase) in printed
    assert "已兑付" in printed and "逾期 1" in printed


def test_the_demo_reviewer_may_review_the_items_its_bureau_leads(loaded) -> None:
    reviewer = User.objects.get(username="reviewer")
    reviewable = reviewable_by(reviewer)
    assert reviewable.exists()
    assert set(reviewable.values_list("department", flat=True)) == {"区工信局"}


def test_possible_pairs_are_in_the_ledger_only_through_the_office_s_push(loaded, showcase) -> None:
    outreaches = list(Outreach.objects.all())
    assert 1 <= len(outreaches) <= demo_entitlements.OUTREACH_ITEMS
    for outreach in outreaches:
        told = Entitlement.objects.filter(outreach=outreach)
        assert told.count() == outreach.count and told.filter(enterprise=showcase).exists()
        assert not told.filter(state=State.MATCHED.value).exists()  # all pushed on the first story day
    assert not Entitlement.objects.filter(verdict="needs_confirmation", outreach__isnull=True).exists()
