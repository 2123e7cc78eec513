"""政策兑现 in the demo district: entitlements in every state, two 公示 lists, a 拨付批次 paid through
the finance bureau's return file, and messages.

The demo is loaded on one day, but an ended 公示, a payment after it and an overdue review need working
days to have passed. So the office's work is replayed on the working days before the load day: every
step goes through the same service functions the pages call (push, confirm, approve, reject, 公示,
objection, payment, archive, reading a message), with the clock (`core.clock.travel`) set to the
moment the step happened. States, timestamps, deadlines, messages and every history record then carry
that day, exactly as if the clerk or the enterprise had acted then; nothing is written to the database
past the services, and the timeline of each entitlement reads as a clerk would have seen it.

The story ends on the last working day whose morning has passed, so the second 公示 is still open and
takes objections. Candidates are chosen from the run's results with a fixed seed, so the same district
always gives the same story. A second load finds the first 公示 and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from openpyxl import load_workbook
from tqdm import tqdm

from yingshang.core import clock
from yingshang.core.roles import Role
from yingshang.demo.generate import showcase_uscc
from yingshang.demo.tables import DEMO_LOGINS
from yingshang.entitlements import services as service
from yingshang.entitlements import workflow
from yingshang.entitlements.models import Entitlement, PaymentBatch, PublicNotice
from yingshang.notifications.models import Message
from yingshang.notifications.services import deliver_pending, mark_read, save_preferences
from yingshang.policies.models import MatchRun
from yingshang.portal.services import enterprise_code_url
from yingshang.registry.models import Enterprise, User
from yingshang.workdays.engine import CalendarError
from yingshang.workdays.services import get_calendar

SEED = 20261122
NOTICE_TITLES = ("渭滨区2026年第一批惠企政策兑现公示", "渭滨区2026年第二批惠企政策兑现公示")
BANKS = (
    "中国工商银行宝鸡渭滨支行",
    "中国建设银行宝鸡经二路支行",
    "宝鸡农村商业银行姜谭支行",
    "中国银行宝鸡分行营业部",
)
CONFIRMERS = ("赵丽娟", "孙志刚", "周晓燕", "吴建国", "郑秀兰", "冯海涛", "陈静", "杨立新")
# The demo enterprise leaves a mobile number and an e-mail address, so its messages go out by SMS and
# e-mail too (through the logging gateway the demo uses) besides the message centre.
SHOWCASE_CONTACT = {"contact_name": "赵丽娟", "mobile": "13909170418", "email": "caiwu@weiyuan-ti.example.cn"}
REJECTION = "经核查，主管部门掌握的名单中没有该企业的相关认定记录，与企业确认的条件不符，本项不予兑现"
OBJECTION_DISMISSED = "经核实，该企业认定信息真实有效，异议不成立"
OBJECTIONS = ("该企业去年已享受过同类奖励，请核实", "该企业已迁出本区，请核实")


@dataclass
class DemoEntitlements:
    """What the demo holds after loading: counts by state, the demo enterprise and its 企业码 path."""

    enterprise: Enterprise | None = None
    code_path: str = ""
    created: int = 0  # entitlements created from the run by this load
    replayed: bool = False  # whether this load replayed the story (False: it was there already)
    counts: dict[str, int] = field(default_factory=dict)  # state value → count; "needs_review", "overdue"
    skipped: str = ""  # why there is no story (not the demo district; a year the calendar does not know)


# ---------------------------------------------------------------------------------------------------
# The clock
# ---------------------------------------------------------------------------------------------------


def story_days(now: dt.datetime, span: int) -> list[dt.date]:
    """`span` + 1 working days from the calendar, oldest first, ending with the last working day whose
    morning (11:00, 北京时间) has passed at `now`, so every step of the story lies in the past."""
    calendar = get_calendar()
    local = clock.local(now)
    day = local.date() if local.time() >= dt.time(11, 0) else local.date() - dt.timedelta(days=1)
    days: list[dt.date] = []
    while len(days) <= span:
        if calendar.is_workday(day):
            days.append(day)
        day -= dt.timedelta(days=1)
    return days[::-1]


def story_span() -> int:
    """Working days the story needs: a 公示 that ended and was paid and archived after it, then a second
    one still open; and a confirmation older than the review deadline (so its review is overdue)."""
    publicity = settings.ENTITLEMENT_PUBLICITY_WORKDAYS
    review = settings.ENTITLEMENT_REVIEW_WORKDAYS
    return max(publicity + 10, review + 2)


def match_moment(now: dt.datetime | None = None) -> dt.datetime:
    """When the demo's batch match runs in the story: the first story day, before the office opens
    (now, when the calendar cannot tell the working days: then there is no story either)."""
    now = now or clock.now()
    try:
        return clock.at(story_days(now, story_span())[0], 8, 30)
    except CalendarError:
        return now


# ---------------------------------------------------------------------------------------------------
# The cast: which entitlements the story takes through which states
# ---------------------------------------------------------------------------------------------------


@dataclass
class _Cast:
    showcase: dict[str, Entitlement]  # role → the demo enterprise's entitlement
    others: dict[str, Entitlement]  # role → another 渭滨区 enterprise's entitlement

    def all(self) -> list[Entitlement]:
        return [*self.showcase.values(), *self.others.values()]


SHOWCASE_ROLES = ("paid", "publicized", "rejected", "pushed")
OTHER_ROLES = ("paid", "archived", "publicized", "flagged", "approved", "overdue", "pushed")
# Items of the shipped packs a titanium maker plausibly holds (or, for the rejection, plainly does not:
# it is an industrial enterprise); any other 快申快享 item of the demo enterprise stands in for a missing one.
# The story's 核实推送: this many items, each to the demo enterprise and up to this many neighbours.
OUTREACH_ITEMS = 4
OUTREACH_NEIGHBOURS = 30
SHOWCASE_PREFERRED = {
    "publicized": ("ex_revenue_growth", "xx18_art3_srdi_backbone"),
    "rejected": ("xx18_art2_above_scale_service",),
    "pushed": ("xx18_art4_postdoc_station", "xx18_art4_academician_station"),
}


def _needs_confirmation(e: Entitlement) -> bool:
    return workflow.requires_confirmation(e.mode, e.verdict)


def _choose_cast(showcase: Enterprise, rng: random.Random) -> _Cast:
    """Entitlements still 已比对 with a known amount: for the demo enterprise its best 免申即享 item (to be
    paid) and three 快申快享 items; for other enterprises of its district, one item each, 免申即享 first
    where no confirmation is wanted."""
    waiting = Entitlement.objects.filter(state=workflow.State.MATCHED.value, amount_fen__isnull=False)
    own = list(waiting.filter(enterprise=showcase).select_related("item").order_by("item_key"))
    auto = sorted(
        (e for e in own if not _needs_confirmation(e)), key=lambda e: (-(e.amount_fen or 0), e.item_key)
    )
    confirm = [e for e in own if _needs_confirmation(e) and e.mode == "快申快享"]
    rng.shuffle(confirm)
    showcase_cast: dict[str, Entitlement] = {}
    if auto:
        showcase_cast["paid"] = auto[0]
    for role in SHOWCASE_ROLES:
        if role in showcase_cast or not confirm:
            continue
        preferred = [e for e in confirm if e.item_key in SHOWCASE_PREFERRED.get(role, ())]
        chosen = (
            min(preferred, key=lambda e: SHOWCASE_PREFERRED[role].index(e.item_key))
            if preferred
            else confirm[0]
        )
        confirm.remove(chosen)
        showcase_cast[role] = chosen

    neighbours = waiting.filter(
        district_id=showcase.district_id, enterprise__entity_type="enterprise"
    ).exclude(enterprise=showcase)
    no_confirmation = list(
        neighbours.filter(mode="免申即享", verdict="eligible")
        .select_related("enterprise", "item")
        .order_by("enterprise__uscc", "item_key")
    )
    with_confirmation = list(
        neighbours.filter(mode="快申快享")
        .select_related("enterprise", "item")
        .order_by("enterprise__uscc", "item_key")[:400]
    )
    rng.shuffle(no_confirmation)
    rng.shuffle(with_confirmation)
    # One certain entitlement stays 已比对: the office's next push, for a visitor to try.
    if len(no_confirmation) > 1:
        no_confirmation.pop()
    taken: set[int] = set()

    def take(candidates: list[Entitlement]) -> Entitlement | None:
        for e in candidates:
            if e.enterprise_id not in taken:
                taken.add(e.enterprise_id)
                return e
        return None

    others: dict[str, Entitlement] = {}
    for role in OTHER_ROLES:
        # An overdue review and an unanswered push are about confirmation; the rest prefer 免申即享.
        order = (
            [with_confirmation, no_confirmation]
            if role in ("overdue", "pushed")
            else [no_confirmation, with_confirmation]
        )
        chosen = take(order[0]) or take(order[1])
        if chosen is not None:
            others[role] = chosen
    return _Cast(showcase_cast, others)


# ---------------------------------------------------------------------------------------------------
# The story
# ---------------------------------------------------------------------------------------------------


@dataclass
class _Story:
    admin: User
    company: User | None
    reviewers: list[User]  # the demo's department clerks; each reviews the items its bureau leads
    showcase: Enterprise
    cast: _Cast
    days: list[dt.date]
    rng: random.Random
    notices: dict[int, PublicNotice] = field(default_factory=dict)
    vouchers: int = 0
    batch: PaymentBatch | None = None  # the 拨付批次 of the first 公示's items, once exported
    batch_file: bytes = b""

    def fresh(self, e: Entitlement) -> Entitlement:
        return Entitlement.objects.select_related("enterprise", "item", "notice").get(pk=e.pk)

    # -- the enterprise's side ----------------------------------------------------------------------

    def confirm(self, e: Entitlement, via: str) -> None:
        e = self.fresh(e)
        mine = e.enterprise_id == self.showcase.pk
        by = self.company if mine and via == "登录" else None
        name = SHOWCASE_CONTACT["contact_name"] if mine else self.rng.choice(CONFIRMERS)
        phone = SHOWCASE_CONTACT["mobile"] if mine else f"139{self.rng.randrange(10**8):08d}"
        service.confirm_entitlement(
            e,
            confirmer_name=name,
            confirmer_phone=phone,
            payee={
                "account_name": e.enterprise.name,
                "bank": self.rng.choice(BANKS),
                "account_no": f"{self.rng.randrange(10**18, 10**19)}",
            },
            conditions=list(e.to_confirm),
            via=via,
            by=by,
        )

    def read_messages(self, enterprise: Enterprise) -> None:

        for message in Message.objects.filter(enterprise=enterprise, channel="inbox", read_at__isnull=True):
            mark_read(message)

    # -- the office's side --------------------------------------------------------------------------

    def reviewer_of(self, e: Entitlement) -> User:
        """The clerk of the bureau that leads the item, where the demo has one; else the office."""
        for user in self.reviewers:
            if user.department.district_id == e.district_id and service.department_handles(
                user.department.name, e.department
            ):
                return user
        return self.admin

    def approve(self, entries: list[Entitlement]) -> None:
        by_reviewer: dict[User, list[int]] = {}
        for e in entries:
            by_reviewer.setdefault(self.reviewer_of(e), []).append(e.pk)
        for user, ids in by_reviewer.items():
            outcome = service.approve_entitlements(ids, by=user)
            if outcome.held:  # the shipped items have no budget cap; a held one would break the story
                raise service.EntitlementRefused(outcome.warning or "演示事项超出预算")

    def publish(self, number: int, entries: list[Entitlement]) -> None:
        self.notices[number] = service.publish_notice(
            [e.pk for e in entries], by=self.admin, title=NOTICE_TITLES[number - 1]
        )

    def object_to(self, number: int, e: Entitlement, text: str) -> None:
        service.raise_objection(
            self.notices[number],
            text=text,
            entitlement=self.fresh(e),
        )

    def dismiss_objections(self, number: int) -> None:
        for objection in self.notices[number].objections.filter(state="open"):
            service.resolve_objection(objection, by=self.admin, upheld=False, resolution=OBJECTION_DISMISSED)

    def reject(self, e: Entitlement) -> None:
        service.reject_entitlement(self.fresh(e), by=self.reviewer_of(e), reason=REJECTION)

    def archive(self, e: Entitlement) -> None:
        service.archive_entitlement(self.fresh(e), by=self.admin)

    def export_batch(self, entries: list[Entitlement]) -> None:
        """The 拨付批次 for the finance bureau, as the clerk exports it from the ledger."""
        self.batch, self.batch_file = service.export_payment_batch([e.pk for e in entries], by=self.admin)

    def pay(self, day: dt.date) -> None:
        """The finance bureau's return: the exported file with a voucher number and the payment day on
        every row, uploaded on the batch page, which records every payment at once."""
        if self.batch is None:
            raise RuntimeError("演示步骤顺序有误：拨付批次尚未导出")
        book = load_workbook(io.BytesIO(self.batch_file))
        sheet = book.active
        header = next(r for r in sheet.iter_rows() if any(c.value == "兑现编号" for c in r))
        column = {c.value: c.column for c in header}
        for row in range(header[0].row + 1, sheet.max_row + 1):
            if sheet.cell(row=row, column=column["兑现编号"]).value is None:
                continue
            self.vouchers += 1
            sheet.cell(row=row, column=column["支付凭证号"]).value = f"WBCZ{day:%Y%m%d}{self.vouchers:03d}"
            sheet.cell(row=row, column=column["支付日期"]).value = day
        returned = io.BytesIO()
        book.save(returned)
        result = service.import_payment_file(self.batch, returned.getvalue(), "财政回执.xlsx", by=self.admin)
        if not result.ok:
            raise service.EntitlementRefused("；".join(result.errors))


def _steps(story: _Story) -> list[tuple[dt.datetime, str, Callable[[], object]]]:
    """(when, what, do) for the whole story, in the order it happened. Days are story days (0: the
    match; -1: the last); the first 公示 starts on day 3 and lasts the configured working days."""
    days, mine, other = story.days, story.cast.showcase, story.cast.others
    first_ends = 3 + settings.ENTITLEMENT_PUBLICITY_WORKDAYS
    steps: list[tuple[dt.datetime, str, Callable[[], object]]] = []

    def step(day: int, time_of_day: str, what: str, do: Callable[[], object]) -> None:
        hour, minute = (int(part) for part in time_of_day.split(":"))
        steps.append((clock.at(days[day], hour, minute), what, do))

    def confirm_all(entries: list[Entitlement], via: str) -> Callable[[], None]:
        def confirm() -> None:
            for e in entries:
                if _needs_confirmation(e):  # 免申即享 items go to review without the enterprise
                    story.confirm(e, via)

        return confirm

    def cast(*entries: Entitlement | None) -> list[Entitlement]:
        return [e for e in entries if e is not None]

    first = cast(mine.get("paid"), other.get("paid"), other.get("archived"))
    second = cast(mine.get("publicized"), other.get("publicized"), other.get("flagged"))
    approved_only = cast(other.get("approved"))

    step(0, "09:30", "企业留下联系方式", lambda: _leave_contact(story.showcase))
    step(0, "10:00", "推送", lambda: service.push_entitlements(story.cast.all(), by=story.admin))
    step(0, "10:05", "核实推送", lambda: service.push_entitlements(_enlisted(), by=story.admin))
    step(0, "10:01", "发送短信和邮件", deliver)
    step(1, "09:10", "企业查看消息", lambda: story.read_messages(story.showcase))
    step(1, "10:00", "企业确认（第一批）", confirm_all(first, "企业码"))
    if "rejected" in mine:
        step(1, "10:30", "企业登录确认", lambda: story.confirm(mine["rejected"], "登录"))
        step(2, "10:00", "审核不通过", lambda: story.reject(mine["rejected"]))
        step(2, "10:01", "发送短信和邮件", deliver)
    if "overdue" in other:
        step(1, "11:00", "企业确认（审核逾期）", confirm_all([other["overdue"]], "企业码"))
    step(2, "09:30", "审核通过（第一批）", lambda: story.approve(first))
    step(3, "09:00", "第一批公示", lambda: story.publish(1, first))
    if "paid" in other:
        step(4, "15:00", "公示异议", lambda: story.object_to(1, other["paid"], OBJECTIONS[0]))
        step(5, "10:00", "异议处理", lambda: story.dismiss_objections(1))
    # Paid through a 拨付批次, so the batch pages have an example: exported in the morning, the finance
    # bureau's return uploaded in the afternoon.
    step(first_ends + 1, "09:00", "导出拨付文件", lambda: story.export_batch(first))
    step(first_ends + 1, "15:00", "上传财政回执，登记兑付", lambda: story.pay(days[first_ends + 1]))
    step(first_ends + 1, "15:01", "发送短信和邮件", deliver)
    if "archived" in other:
        step(first_ends + 2, "10:00", "归档", lambda: story.archive(other["archived"]))
    step(-4, "10:00", "企业确认（第二批）", confirm_all(second + approved_only, "企业码"))
    step(-2, "09:30", "审核通过（第二批）", lambda: story.approve(second + approved_only))
    step(-1, "09:00", "第二批公示", lambda: story.publish(2, second))
    if "flagged" in other:
        step(-1, "10:30", "公示异议", lambda: story.object_to(2, other["flagged"], OBJECTIONS[1]))
    return sorted(steps, key=lambda s: s[0])


def deliver() -> None:
    """The delivery task's run: SMS and e-mail through the configured gateway. The demo's gateway only
    logs each message; while loading, those lines would bury the logins, so they are kept quiet."""

    gateway_log = logging.getLogger("yingshang.notifications")
    level = gateway_log.level
    gateway_log.setLevel(logging.WARNING)
    try:
        deliver_pending()
    finally:
        gateway_log.setLevel(level)


def _leave_contact(enterprise: Enterprise) -> None:

    save_preferences(
        enterprise,
        contact_name=SHOWCASE_CONTACT["contact_name"],
        mobile=SHOWCASE_CONTACT["mobile"],
        email=SHOWCASE_CONTACT["email"],
        sms=True,
        email_on=True,
    )


# ---------------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------------


def _demo_users() -> tuple[User | None, User | None, list[User]]:
    """The demo's office admin, enterprise user and department clerks (None / empty where absent)."""

    def demo_users(role: Role) -> list[User]:
        names = [login.username for login in DEMO_LOGINS if login.role == role]
        rows = User.objects.filter(username__in=names, role=role.value, is_active=True)
        return list(rows.select_related("department").order_by("username"))

    admins, companies = demo_users(Role.OFFICE_ADMIN), demo_users(Role.ENTERPRISE)
    clerks = [u for u in demo_users(Role.DEPT_STAFF) if u.department_id is not None]
    return (admins[0] if admins else None), (companies[0] if companies else None), clerks


def load_demo_entitlements(run: MatchRun, on_step: Callable[[str], None] | None = None) -> DemoEntitlements:
    """Entitlements from the demo's match run and the story above, once; later loads change nothing."""

    say = on_step or (lambda text: None)
    showcase = Enterprise.objects.filter(uscc=showcase_uscc()).first()
    admin, company, clerks = _demo_users()
    if showcase is None or admin is None:
        return _skipped("没有演示区县的示范企业或营商办管理员账号，未生成政策兑现演示数据", say)
    try:
        days = story_days(clock.now(), story_span())
    except CalendarError as exc:
        return _skipped(f"未生成政策兑现演示数据：{exc.message}", say)
    result = DemoEntitlements(enterprise=showcase)
    with transaction.atomic():
        # Once per district: a later match run of the office's own must not be synced by the demo.
        if not Entitlement.objects.filter(district=showcase.district).exists():
            with (
                clock.travel(clock.at(days[0], 9, 5)),
                tqdm(desc="生成兑现台账", unit="条", disable=None) as bar,
            ):
                # The longest step of a first load (a default demo makes about 120,000): show progress.
                result.created = service.create_entitlements_from_run(run, progress=_advance(bar)).created
                # The 明白卡 with the 企业码 reaches the enterprise with the first push.
                enterprise_code_url(showcase)
            say(f"政策兑现台账：由批量匹配（批次 {run.pk}）生成 {result.created:,} 条")
        if not PublicNotice.objects.filter(title=NOTICE_TITLES[0]).exists():
            with clock.travel(clock.at(days[0], 9, 40)):
                _enlist(run, showcase, admin, random.Random(SEED))
            cast = _choose_cast(showcase, random.Random(SEED))
            _replay(_Story(admin, company, clerks, showcase, cast, days, random.Random(SEED)))
            result.replayed = True
            say(
                f"政策兑现演示：重放 {days[0]:%m月%d日} 至 {days[-1]:%m月%d日} 的推送、确认、审核、公示与兑付"
            )
    result.code_path = enterprise_code_url(showcase)
    result.counts = state_counts(showcase.district_id)
    say(f"兑现事项（{showcase.district.name}）：{counts_text(result.counts)}")
    return result


def _enlist(run: MatchRun, showcase: Enterprise, admin: User, rng: random.Random) -> None:
    """The office's 核实推送 of the story: 需确认 pairs are match results until the office tells their
    enterprises. For a few 快申快享 items the demo enterprise may be entitled to, the office picks the
    demo enterprise and some of its neighbours (a first, small push) and enlists them; they are pushed
    on the story's first day with the rest, and some of them play parts in the story."""
    possible = service.possible_results(admin, run).filter(mode="快申快享")
    mine = sorted(set(possible.filter(enterprise=showcase).values_list("item__key", flat=True)))
    preferred = [key for keys in SHOWCASE_PREFERRED.values() for key in keys if key in mine]
    items = list(dict.fromkeys([*preferred, *mine]))[:OUTREACH_ITEMS]
    for key in items:
        others = list(
            possible.filter(item__key=key, enterprise__entity_type="enterprise")
            .exclude(enterprise=showcase)
            .order_by("enterprise__uscc")
            .values_list("enterprise_id", flat=True)
        )
        chosen = [showcase.pk, *rng.sample(others, min(OUTREACH_NEIGHBOURS, len(others)))]
        service.enlist_for_confirmation(run, key, by=admin, enterprise_ids=chosen)


def _enlisted() -> list[Entitlement]:
    """What the story's 核实推送 enlisted and nobody has pushed yet."""
    return list(Entitlement.objects.filter(outreach__isnull=False, state=workflow.State.MATCHED.value))


def _advance(bar: tqdm) -> Callable[[int, int], None]:
    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    return progress


def _skipped(why: str, say: Callable[[str], None]) -> DemoEntitlements:
    say(why)
    return DemoEntitlements(skipped=why)


def _replay(story: _Story) -> None:
    for moment, what, do in _steps(story):
        with clock.travel(moment):
            try:
                do()
            except service.EntitlementRefused as exc:
                # The demo's own data must fit the rules; say which step did not, then stop the load.
                when = f"{moment:%Y-%m-%d %H:%M}"
                raise service.EntitlementRefused(f"演示步骤“{what}”（{when}）未能完成：{exc}") from exc


def state_counts(district_id: int) -> dict[str, int]:
    """Entitlements of a district by state value, with "needs_review" (flagged) and "overdue" today."""
    rows = Entitlement.objects.filter(district_id=district_id)
    counts = dict(Counter(rows.values_list("state", flat=True)))
    counts["needs_review"] = rows.filter(needs_review=True).count()
    counts["overdue"] = service.overdue_entitlements(clock.today()).filter(district_id=district_id).count()
    return counts


def counts_text(counts: dict[str, int]) -> str:
    shown = [f"{state.label} {counts[state.value]:,}" for state in workflow.State if counts.get(state.value)]
    return f"{'，'.join(shown)}；待复核 {counts.get('needs_review', 0)}，逾期 {counts.get('overdue', 0)}"
