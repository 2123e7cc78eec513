"""政策找企业: stored policy packs (dated versions), their policies and reward items, match runs and results.

A pack's YAML text is the source of truth; the rows below are what the platform stored when a version
was accepted, so a result can always name the exact item version (and pack text) that produced it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from yingshang.core.scope import CITY_LEVEL, Owned
from yingshang.registry.models import District, Enterprise

MODES = [("免申即享", "免申即享"), ("快申快享", "快申快享"), ("申报", "申报")]
VERDICTS = [("eligible", "符合"), ("needs_confirmation", "需企业确认"), ("not_eligible", "不符合")]


class PolicyPack(models.Model):
    """One accepted version of a pack. Exactly one version per `name` is the working one."""

    scope = CITY_LEVEL

    name = models.SlugField("政策包标识", max_length=100)
    title = models.CharField("名称", max_length=200)
    text = models.TextField("规则文本（YAML）")
    version = models.CharField("版本（内容哈希）", max_length=16)
    origin = models.CharField("来源", max_length=100, help_text="随软件发布的政策包文件名，或“页面编辑”")
    is_working = models.BooleanField("现行版本", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField("保存时间", auto_now_add=True)
    note = models.CharField("修改说明", max_length=300, blank=True)

    history = HistoricalRecords(verbose_name="政策包变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "政策包"
        ordering = ["name", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="pack_version_unique"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(is_working=True), name="one_working_pack_per_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.version}）"


class Policy(models.Model):
    scope = CITY_LEVEL

    pack = models.ForeignKey(
        PolicyPack, on_delete=models.CASCADE, related_name="policies", verbose_name="政策包"
    )
    key = models.CharField("政策标识", max_length=100)
    title = models.CharField("政策名称", max_length=300)
    issuer = models.CharField("发文机关", max_length=200, blank=True)
    doc_no = models.CharField("文号", max_length=100, blank=True)
    published_on = models.DateField("发布日期", null=True, blank=True)
    valid_from = models.DateField("有效期起", null=True, blank=True)
    valid_to = models.DateField("有效期止", null=True, blank=True)
    source_text = models.TextField("政策原文", blank=True)
    source_note = models.CharField("说明（哪些内容为示例）", max_length=300, blank=True)
    department = models.CharField("牵头部门", max_length=100, blank=True)
    version = models.CharField("版本", max_length=16)

    class Meta:
        verbose_name = verbose_name_plural = "政策"
        ordering = ["pack", "key"]
        constraints = [models.UniqueConstraint(fields=["pack", "key"], name="policy_key_unique_in_pack")]

    def __str__(self) -> str:
        return self.title


class RewardItem(models.Model):
    """A reward item (奖补事项) as one pack version defined it."""

    scope = CITY_LEVEL

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="items", verbose_name="政策")
    key = models.CharField("事项标识", max_length=100)
    title = models.CharField("事项名称", max_length=300)
    article = models.CharField("条款", max_length=100, blank=True)
    mode = models.CharField("兑现方式", max_length=8, choices=MODES)
    exclusivity_group = models.CharField("不重复奖励组", max_length=100, blank=True)
    budget_cap_fen = models.BigIntegerField("预算上限（分）", null=True, blank=True)
    tags = models.JSONField("标签", default=list, blank=True)
    industries = models.JSONField("适用行业", default=list, blank=True)
    sentence = models.TextField("条件（中文表述）")
    amount_sentence = models.TextField("金额规则（中文表述）")
    valid_from = models.DateField("有效期起", null=True, blank=True)
    valid_to = models.DateField("有效期止", null=True, blank=True)
    version = models.CharField("版本（内容哈希）", max_length=16)
    position = models.PositiveIntegerField("顺序", default=0)
    source_text = models.TextField("政策原文（本项）", blank=True)
    note = models.TextField("备注", blank=True)
    # Sentences of the conditions the platform cannot check itself (what an enterprise must confirm).
    manual_conditions = models.JSONField("需企业确认的条件", default=list, blank=True)
    department = models.CharField(
        "牵头部门",
        max_length=100,
        blank=True,
        help_text="如“区工信局”；审核由本辖区同名部门办理，留空由营商办办理",
    )

    class Meta:
        verbose_name = verbose_name_plural = "奖补事项"
        ordering = ["policy", "position"]
        constraints = [models.UniqueConstraint(fields=["policy", "key"], name="item_key_unique_in_policy")]
        indexes = [models.Index(fields=["key", "version"], name="item_key_version")]

    def __str__(self) -> str:
        return self.title


class MatchRun(models.Model):
    """One batch match: every entity of a snapshot × every current item of the working packs."""

    # City-wide: a district reads its own line of the figures (policies.services.run_figures_for).
    scope = CITY_LEVEL

    STATES = [("queued", "排队中"), ("running", "运行中"), ("done", "已完成"), ("failed", "失败")]
    KINDS = [("match", "批量匹配"), ("whatif", "政策测算")]
    kind = models.CharField("类型", max_length=8, choices=KINDS, default="match")
    state = models.CharField("状态", max_length=8, choices=STATES, default="queued")
    progress = models.CharField("进度", max_length=200, blank=True)
    as_of = models.DateField("测算日期")
    packs = models.ManyToManyField(PolicyPack, verbose_name="使用的政策包版本")
    entity_count = models.PositiveIntegerField("参与主体数", default=0)
    item_count = models.PositiveIntegerField("事项数", default=0)
    eligible_count = models.PositiveIntegerField("符合条件对数", default=0)
    needs_confirmation_count = models.PositiveIntegerField("需确认对数", default=0)
    total_amount_fen = models.BigIntegerField("测算总金额（分）", default=0)
    snapshot_taken_at = models.DateTimeField("画像快照时间", null=True, blank=True)
    snapshot_sources = models.JSONField("画像数据来源", default=dict, blank=True)
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", null=True, blank=True)
    error = models.TextField("错误信息", blank=True)
    summary = models.JSONField("测算汇总", default=dict, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # Who runs it and when it last moved (core.workers): a run whose process died is marked failed.
    worker = models.CharField("处理进程", max_length=120, blank=True)
    heartbeat_at = models.DateTimeField("最近进展", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "批量匹配"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}（{self.get_state_display()}）"


class MatchResult(models.Model):
    """An (enterprise, item) pair a run found eligible or needing confirmation; other pairs are not kept."""

    scope = Owned(district="district", enterprise="enterprise")

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="results", verbose_name="批次")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, verbose_name="市场主体")
    item = models.ForeignKey(RewardItem, on_delete=models.PROTECT, verbose_name="奖补事项")
    district = models.ForeignKey(District, on_delete=models.PROTECT, verbose_name="区县")
    verdict = models.CharField("结论", max_length=20, choices=VERDICTS)
    mode = models.CharField("兑现方式", max_length=8, choices=MODES)
    amount_fen = models.BigIntegerField("测算金额（分）", null=True, blank=True)
    payable_fen = models.BigIntegerField("不重复奖后应兑付（分）", null=True, blank=True)
    reason_codes = models.JSONField("原因代码", default=list, blank=True)
    to_confirm = models.JSONField("需确认事项", default=list, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "匹配结果"
        constraints = [
            models.UniqueConstraint(fields=["run", "enterprise", "item"], name="one_result_per_pair_per_run")
        ]
        indexes = [
            models.Index(fields=["run", "item", "verdict"], name="result_run_item"),
            models.Index(fields=["enterprise", "run"], name="result_enterprise"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} × {self.item_id}: {self.get_verdict_display()}"


# The stored columns of a kept pair, in the order batch writes (COPY) and reads use them.
RESULT_COLUMNS = (
    "run_id",
    "enterprise_id",
    "item_id",
    "district_id",
    "verdict",
    "mode",
    "amount_fen",
    "payable_fen",
    "reason_codes",
    "to_confirm",
)
