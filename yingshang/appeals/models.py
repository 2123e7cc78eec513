"""接诉即办: appeals (诉求) from intake to rating, with their categories, events and 督办.

An appeal belongs to the district it concerns and to the departments handling it (主办, and 协办 ones);
an enterprise's own appeals are its own. The requester's name and phone are personal data: masked
outside the handling department and the 营商办 (core.masking), never shown on public pages.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from yingshang.appeals.workflow import KIND_CHOICES, STATE_CHOICES, State
from yingshang.core.scope import CITY_LEVEL, Owned
from yingshang.registry.models import Department, District, Enterprise

CHANNELS = [
    ("web", "网上提交"),
    ("code", "企业码"),
    ("qr", "码上监督"),
    ("api", "接口"),
    ("hotline", "12345热线"),
    ("visit", "走访"),
]
RATINGS = [("satisfied", "满意"), ("basically", "基本满意"), ("unsatisfied", "不满意")]


class Category(models.Model):
    """A 诉求类别 and the department that handles it (the editable category → department table). The
    department is named without its district (“市场监管局”): each district's own bureau of that name
    handles its appeals."""

    scope = CITY_LEVEL

    code = models.CharField("编码", max_length=40, unique=True)
    name = models.CharField("类别", max_length=60, unique=True)
    department_name = models.CharField(
        "承办部门", max_length=100, help_text="不含区县名，如“市场监管局”；各区由本区同名部门承办"
    )
    order = models.PositiveSmallIntegerField("顺序", default=100)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "诉求类别"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Appeal(models.Model):
    """One appeal (诉求): what was asked, by whom, where; who handles it; its clock and its answer."""

    scope = Owned(
        district="district",
        department=("handler", "assists__department"),
        enterprise="enterprise",
        department_only=True,
    )

    number = models.CharField("诉求编号", max_length=24, unique=True)
    # The secret part of the requester's tracking link (/appeals/t/<token>/); never shown to staff lists.
    token = models.CharField("查询码", max_length=32, unique=True)
    kind = models.CharField("诉求类型", max_length=12, choices=KIND_CHOICES)
    channel = models.CharField("渠道", max_length=10, choices=CHANNELS)
    title = models.CharField("标题", max_length=100)
    text = models.TextField("诉求内容")
    place = models.CharField("发生地点/窗口", max_length=200, blank=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, verbose_name="区县")
    enterprise = models.ForeignKey(
        Enterprise, null=True, blank=True, on_delete=models.PROTECT, verbose_name="诉求企业"
    )
    requester_name = models.CharField("诉求人", max_length=50, blank=True)
    requester_phone = models.CharField("联系电话", max_length=20)
    anonymous = models.BooleanField("匿名", default=False)
    # 诉及部门工作人员: goes to the discipline office (纪检监察), never to that department.
    about_staff = models.BooleanField("反映工作人员问题", default=False)
    about_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="被反映的部门",
    )

    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, verbose_name="类别"
    )
    # What the router proposed: [(category code, confidence)…], the model version, and its confidence.
    proposals = models.JSONField("分拨建议", default=list, blank=True)
    routing_version = models.CharField("分拨模型版本", max_length=40, blank=True)
    routing_confidence = models.FloatField("分拨置信度", null=True, blank=True)

    state = models.CharField("状态", max_length=12, choices=STATE_CHOICES, default=State.PENDING.value)
    handler = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
        verbose_name="主办部门",
    )
    cycle = models.PositiveSmallIntegerField("办理轮次", default=1)
    returns = models.PositiveSmallIntegerField("本轮退回次数", default=0)
    reopens = models.PositiveSmallIntegerField("重办次数", default=0)

    received_at = models.DateTimeField("受理时间")
    dispatched_at = models.DateTimeField("派发时间", null=True, blank=True)
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    sign_due_on = models.DateField("签收期限", null=True, blank=True)
    finish_due_on = models.DateField("办结期限", null=True, blank=True)
    due_workdays = models.PositiveSmallIntegerField("办理时限（工作日）", null=True, blank=True)
    calendar_version = models.CharField("期限所用工作日历", max_length=120, blank=True)
    due_note = models.CharField("期限说明", max_length=200, blank=True)
    suspended_at = models.DateTimeField("挂起时间", null=True, blank=True)
    warned_at = models.DateTimeField("预警时间", null=True, blank=True)
    supervised_at = models.DateTimeField("督办时间", null=True, blank=True)

    reply = models.TextField("答复内容", blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    rating = models.CharField("评价", max_length=12, choices=RATINGS, blank=True)
    rating_reason = models.CharField("评价理由", max_length=500, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged", verbose_name="合并至"
    )

    idempotency_key = models.CharField("提交标识", max_length=80, null=True, blank=True, unique=True)
    hotline_number = models.CharField("热线工单号", max_length=40, null=True, blank=True, unique=True)
    submitted_from = models.GenericIPAddressField("提交地址", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords(verbose_name="诉求办理记录")

    class Meta:
        verbose_name = verbose_name_plural = "诉求"
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["state", "finish_due_on"], name="appeal_state_due"),
            models.Index(fields=["district", "state"], name="appeal_district_state"),
            models.Index(fields=["handler", "state"], name="appeal_handler_state"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def state_enum(self) -> State:
        return State(self.state)


class Assist(models.Model):
    """A 协办 department of an appeal, with its part of the work and its own answer."""

    scope = Owned(district="appeal__district", department="department", department_only=True)

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="assists")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name="协办部门"
    )
    part = models.CharField("协办事项", max_length=300)
    answer = models.TextField("协办意见", blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "协办"
        constraints = [
            models.UniqueConstraint(fields=["appeal", "department"], name="one_assist_per_department")
        ]

    def __str__(self) -> str:
        return f"{self.department}：{self.part}"


class Event(models.Model):
    """One step of an appeal's handling, as its timeline shows it (who, when, what, why)."""

    scope = Owned(
        district="appeal__district",
        department=("appeal__handler", "appeal__assists__department"),
        department_only=True,
    )

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=20)
    note = models.TextField("说明", blank=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="部门"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField("时间")
    cycle = models.PositiveSmallIntegerField("办理轮次", default=1)

    class Meta:
        verbose_name = verbose_name_plural = "办理记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.note}".strip()


class Supervision(models.Model):
    """A 督办: an overdue appeal put on the department's head's table until it is answered."""

    scope = Owned(district="appeal__district", department="department", department_only=True)

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="supervisions")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name="被督办部门"
    )
    reason = models.CharField("督办原因", max_length=300)
    created_at = models.DateTimeField("督办时间")
    resolved_at = models.DateTimeField("销号时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "督办"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reason


class Extension(models.Model):
    """A 延期申请: the handling department asks for more working days; the 营商办 decides."""

    scope = Owned(district="appeal__district", department="appeal__handler", department_only=True)

    STATES = [("open", "待审批"), ("approved", "已同意"), ("refused", "未同意")]
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="extensions")
    workdays = models.PositiveSmallIntegerField("延长工作日")
    reason = models.CharField("延期理由", max_length=300)
    state = models.CharField("状态", max_length=10, choices=STATES, default="open")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "延期申请"
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"延长 {self.workdays} 个工作日（{self.get_state_display()}）"


class RoutingModel(models.Model):
    """A 分拨模型 trained from the office's labelled history: the upload, the training job (in the
    background: cross-validation takes a while), its evaluation report, and whether it is the one in
    use. One city-wide model is active at a time; every appeal it routes records its version."""

    scope = CITY_LEVEL

    STATES = [("queued", "排队中"), ("running", "训练中"), ("done", "已完成"), ("failed", "失败")]
    state = models.CharField("状态", max_length=10, choices=STATES, default="queued")
    progress = models.CharField("进度", max_length=200, blank=True)
    error = models.TextField("失败原因", blank=True)
    source_name = models.CharField("训练数据文件", max_length=200)
    data_path = models.CharField("训练数据存放位置", max_length=300)
    text_columns = models.JSONField("文本列", default=list)
    label_column = models.CharField("类别列", max_length=100)
    version = models.CharField("模型版本", max_length=40, blank=True)
    model_path = models.CharField("模型文件", max_length=300, blank=True)
    labels = models.JSONField("类别", default=list, blank=True)
    report = models.JSONField("交叉验证报告", default=dict, blank=True)
    macro_f1 = models.FloatField("宏平均F1", null=True, blank=True)
    n_samples = models.PositiveIntegerField("样本数", default=0)
    is_active = models.BooleanField("使用中", default=False)
    activated_at = models.DateTimeField("启用时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # Who trains it and when it last moved (core.workers): a job whose process died is marked failed.
    worker = models.CharField("处理进程", max_length=120, blank=True)
    heartbeat_at = models.DateTimeField("最近进展", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "分拨模型"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"分拨模型 {self.version or self.pk}（{self.get_state_display()}）"


class HotlineBatch(models.Model):
    """One upload of a 12345 hotline export: its columns mapped to our fields, previewed with every
    problem by row, then imported as a whole (appeals.services.hotline). The file is kept until then so
    that the mapping can be corrected without uploading it again."""

    scope = Owned(district="district")

    STATES = [
        ("mapping", "待对应列"),
        ("previewed", "待确认"),
        ("rejected", "有错误未导入"),
        ("applied", "已导入"),
    ]
    file_name = models.CharField("文件名", max_length=255)
    stored_path = models.CharField(max_length=500, editable=False)
    sheet = models.CharField("工作表", max_length=100, blank=True)
    header_row = models.PositiveIntegerField("表头所在行", default=1)
    headers = models.JSONField("表头", default=list)
    # field key → 0-based column index (appeals.hotline.FIELDS)
    mapping = models.JSONField("列对应", default=dict, blank=True)
    default_district = models.ForeignKey(
        District,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="整份文件的区县",
    )
    default_kind = models.CharField("默认诉求类型", max_length=12, choices=KIND_CHOICES, default="help")
    state = models.CharField("状态", max_length=12, choices=STATES, default="mapping")
    total_rows = models.PositiveIntegerField("总行数", default=0)
    new_count = models.PositiveIntegerField("新工单", default=0)
    skipped_count = models.PositiveIntegerField("已导入过（跳过）", default=0)
    created_count = models.PositiveIntegerField("导入", default=0)
    problems = models.JSONField("问题清单", default=list, blank=True)
    # What the preview and result pages show (problem count, notices, sample rows), so a page view never
    # re-reads the file.
    report = models.JSONField("导入报告", default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="上传人",
    )
    # The importing office's district: its rows may only be of that district. Empty: the city's office.
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="辖区"
    )
    created_at = models.DateTimeField("上传时间")
    applied_at = models.DateTimeField("导入时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "热线工单导入批次"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_state_display()}）"


class ServiceRating(models.Model):
    """A 好差评: a rating of a window's or a department's service, from the same 码上监督 QR code. A
    差评 (不满意 or 非常不满意) with a contact becomes an appeal (差评整改), followed like any other."""

    scope = Owned(district="district", department="department", department_only=True)

    SCORES = [(5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意")]
    district = models.ForeignKey(District, on_delete=models.PROTECT, verbose_name="区县")
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="被评价部门",
    )
    place = models.CharField("窗口/地点", max_length=200, blank=True)
    score = models.PositiveSmallIntegerField("评价", choices=SCORES)
    comment = models.CharField("意见", max_length=500, blank=True)
    appeal = models.OneToOneField(
        Appeal,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rating_source",
        verbose_name="整改诉求",
    )
    submitted_from = models.GenericIPAddressField("提交地址", null=True, blank=True)
    created_at = models.DateTimeField("评价时间")

    class Meta:
        verbose_name = verbose_name_plural = "好差评"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.place or self.department}：{self.get_score_display()}"

    @property
    def is_bad(self) -> bool:
        return self.score <= 2
