"""政策兑现: one enterprise's entitlement to one reward item, from the match that found it to payment,
with its 公示, objections, notes and the payment batches handed to the finance bureau.

The tables were created by `policies` migration 0003 and keep their names: 政策兑现 became its own app
with state-only migrations, so an existing database upgrades in place.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from yingshang.core.scope import CITY_LEVEL, Owned
from yingshang.entitlements.workflow import STATE_CHOICES, State
from yingshang.policies.models import MODES, VERDICTS, MatchRun, RewardItem
from yingshang.registry.models import District, Enterprise


class PublicNotice(models.Model):
    """A 公示: approved entitlements listed publicly for some working days, open to objections."""

    # A district's own 公示, or a city-wide one listing some of the district's entitlements.
    scope = Owned(district=("district", "entitlements__district"), enterprise="entitlements__enterprise")

    title = models.CharField("公示标题", max_length=200)
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.PROTECT, verbose_name="区县"
    )
    starts_on = models.DateField("公示开始")
    ends_on = models.DateField("公示截止")
    workdays = models.PositiveSmallIntegerField("公示工作日数")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        db_table = "policies_publicnotice"  # created by policies 0003; kept when 政策兑现 became its own app
        verbose_name = verbose_name_plural = "公示"
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.title


class PaymentBatch(models.Model):
    """A 拨付批次: the .xlsx handed to the finance bureau, and what came back. One district's
    entitlements only (empty district: an older batch that mixed districts, the city's alone)."""

    scope = Owned(district="district")

    STATES = [("exported", "已导出，待财政回执"), ("settled", "已登记兑付")]
    number = models.CharField("批次号", max_length=30, unique=True)
    state = models.CharField("状态", max_length=10, choices=STATES, default="exported")
    count = models.PositiveIntegerField("笔数", default=0)
    total_fen = models.BigIntegerField("金额合计（分）", default=0)
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.PROTECT, verbose_name="区县", related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField("导出时间", auto_now_add=True)
    settled_at = models.DateTimeField("登记时间", null=True, blank=True)

    class Meta:
        db_table = "policies_paymentbatch"  # created by policies 0003; kept when 政策兑现 became its own app
        verbose_name = verbose_name_plural = "拨付批次"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.number


class Outreach(models.Model):
    """A 核实推送: the office tells enterprises that the match found them possibly entitled to an item
    but lacked data to be sure (需确认), and asks them to confirm. Until pushed this way such pairs are
    match results, not ledger entitlements: the ledger's numbers are certain ones (docs/entitlements.md,
    确定与可能). Its 知晓率 is its own entitlements' seen / pushed."""

    scope = Owned(district="district")

    run = models.ForeignKey(
        MatchRun, on_delete=models.PROTECT, related_name="outreaches", verbose_name="比对批次"
    )
    item_key = models.CharField("事项标识", max_length=100)
    item = models.ForeignKey(RewardItem, on_delete=models.PROTECT, verbose_name="奖补事项（所用版本）")
    # The district whose enterprises were told; empty: the city's office told the whole city.
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.PROTECT, verbose_name="区县", related_name="+"
    )
    count = models.PositiveIntegerField("推送户数", default=0)
    possible_fen = models.BigIntegerField("可能金额（分）", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField("推送时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "核实推送"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.item.title}（{self.count} 户）"


class Entitlement(models.Model):
    """One enterprise's claim to one reward item, from the match that found it to its payment.

    Keyed by (enterprise, item key), not item row: a new pack version makes new item rows, and
    re-matching must find the same entitlement. The item row, run and version it was last matched
    with are kept, so a payment names the exact rule and snapshot it used.
    """

    scope = Owned(district="district", enterprise="enterprise")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, verbose_name="市场主体")
    district = models.ForeignKey(District, on_delete=models.PROTECT, verbose_name="区县")
    item_key = models.CharField("事项标识", max_length=100)
    item = models.ForeignKey(RewardItem, on_delete=models.PROTECT, verbose_name="奖补事项（所用版本）")
    item_version = models.CharField("事项版本", max_length=16)
    department = models.CharField("牵头部门", max_length=100, blank=True)
    run = models.ForeignKey(
        MatchRun, null=True, on_delete=models.SET_NULL, verbose_name="比对批次", related_name="entitlements"
    )
    snapshot_taken_at = models.DateTimeField("画像快照时间", null=True, blank=True)
    mode = models.CharField("兑现方式", max_length=8, choices=MODES)
    verdict = models.CharField("比对结论", max_length=20, choices=VERDICTS)
    amount_fen = models.BigIntegerField("应兑付金额（分）", null=True, blank=True)
    reason_codes = models.JSONField("原因代码", default=list, blank=True)
    to_confirm = models.JSONField("需企业确认的条件", default=list, blank=True)

    state = models.CharField("状态", max_length=12, choices=STATE_CHOICES, default=State.MATCHED.value)
    due_on = models.DateField("本环节期限", null=True, blank=True)
    needs_review = models.BooleanField("待复核", default=False)
    review_reason = models.CharField("复核原因", max_length=300, blank=True)

    matched_at = models.DateTimeField("比对时间")
    pushed_at = models.DateTimeField("推送时间", null=True, blank=True)
    seen_at = models.DateTimeField("企业首次查看", null=True, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmation = models.JSONField("确认内容", default=dict, blank=True)
    payee = models.JSONField("收款账户", default=dict, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.CharField("不通过原因", max_length=300, blank=True)
    notice = models.ForeignKey(
        PublicNotice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entitlements",
        verbose_name="公示",
    )
    payment_batch = models.ForeignKey(
        PaymentBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entitlements",
        verbose_name="拨付批次",
    )
    voucher_no = models.CharField("支付凭证号", max_length=50, blank=True)
    paid_on = models.DateField("兑付日期", null=True, blank=True)
    paid_fen = models.BigIntegerField("实际兑付（分）", null=True, blank=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    # Set when a 需确认 pair entered the ledger through a 核实推送 (an eligible pair comes by itself).
    outreach = models.ForeignKey(
        Outreach,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entitlements",
        verbose_name="核实推送",
    )

    history = HistoricalRecords(verbose_name="兑现流程记录", table_name="policies_historicalentitlement")

    class Meta:
        db_table = "policies_entitlement"  # created by policies 0003; kept when 政策兑现 became its own app
        verbose_name = verbose_name_plural = "政策兑现"
        ordering = ["-matched_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "item_key"], name="one_entitlement_per_item"),
            models.UniqueConstraint(
                fields=["voucher_no"], condition=~models.Q(voucher_no=""), name="voucher_used_once"
            ),
        ]
        indexes = [
            models.Index(fields=["item_key", "state"], name="entl_item_state"),
            models.Index(fields=["district", "state"], name="entl_district_state"),
            models.Index(fields=["state", "due_on"], name="entl_state_due"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} · {self.item_key}（{self.get_state_display()}）"

    @property
    def state_enum(self) -> State:
        return State(self.state)


class EntitlementNote(models.Model):
    """An annotation: the only way to add to a paid entitlement, and a clerk's remark on any other."""

    scope = Owned(district="entitlement__district")  # staff only: an enterprise never sees the notes

    entitlement = models.ForeignKey(Entitlement, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    text = models.TextField("备注")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        db_table = (
            "policies_entitlementnote"  # created by policies 0003; kept when 政策兑现 became its own app
        )
        verbose_name = verbose_name_plural = "兑现备注"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:30]


class Objection(models.Model):
    """An objection (异议) raised against a 公示, by anyone; contact details never shown publicly."""

    # Against one entitlement: that entitlement's district; against a whole 公示: the 公示's district (a
    # city-wide 公示's objections are the city's).
    scope = Owned(
        district=("entitlement__district", "notice__district"), enterprise="entitlement__enterprise"
    )

    STATES = [("open", "待处理"), ("upheld", "异议成立"), ("dismissed", "异议不成立")]
    notice = models.ForeignKey(PublicNotice, on_delete=models.CASCADE, related_name="objections")
    entitlement = models.ForeignKey(
        Entitlement, null=True, blank=True, on_delete=models.CASCADE, related_name="objections"
    )
    text = models.TextField("异议内容")
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    # The address it came from: only to limit how often one address may object (never shown).
    submitted_from = models.GenericIPAddressField("提交地址", null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)
    state = models.CharField("处理状态", max_length=10, choices=STATES, default="open")
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    resolution = models.TextField("处理意见", blank=True)

    history = HistoricalRecords(verbose_name="异议处理记录", table_name="policies_historicalobjection")

    class Meta:
        db_table = "policies_objection"  # created by policies 0003; kept when 政策兑现 became its own app
        verbose_name = verbose_name_plural = "公示异议"
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.notice_id}：{self.get_state_display()}"


class LedgerSync(models.Model):
    """One 生成兑现台账 from a finished batch match, done in the background: a province's run holds
    millions of pairs, more than a page request may wait for. The page polls this row's progress."""

    scope = CITY_LEVEL  # like the match runs it reads

    STATES = [("queued", "排队中"), ("running", "进行中"), ("done", "已完成"), ("failed", "失败")]
    run = models.ForeignKey(
        MatchRun, on_delete=models.CASCADE, related_name="ledger_syncs", verbose_name="比对批次"
    )
    state = models.CharField("状态", max_length=10, choices=STATES, default="queued")
    progress = models.CharField("进度", max_length=200, blank=True)
    summary = models.JSONField("结果", default=dict, blank=True)
    error = models.TextField("失败原因", blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # Who runs it and when it last moved (core.workers): a sync whose process died is marked failed.
    worker = models.CharField("处理进程", max_length=120, blank=True)
    heartbeat_at = models.DateTimeField("最近进展", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "生成兑现台账"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"批次 {self.run_id} · {self.get_state_display()}"

    @property
    def is_finished(self) -> bool:
        return self.state in ("done", "failed")
