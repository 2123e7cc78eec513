"""The registry: 市场主体, their qualifications, districts, departments, staff and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from yingshang.core import clock
from yingshang.core import scope as scope_rule
from yingshang.core.roles import Role
from yingshang.core.scope import PUBLIC, Owned, Personal
from yingshang.registry import vocab
from yingshang.registry.industries import section_of
from yingshang.registry.scale import classify_scale


class Industry(models.Model):
    """GB/T 4754-2017 code table (门类 letter, 大类/中类/小类 digits)."""

    scope = PUBLIC  # a public standard

    code = models.CharField("代码", max_length=4, primary_key=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=4)  # 门类/大类/中类/小类
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = verbose_name_plural = "国民经济行业分类"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class District(models.Model):
    scope = PUBLIC

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)

    class Meta:
        verbose_name = verbose_name_plural = "区县"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Street(models.Model):
    scope = PUBLIC

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="streets", verbose_name="区县"
    )
    name = models.CharField("街道/镇", max_length=50)

    class Meta:
        verbose_name = verbose_name_plural = "街道"
        ordering = ["district", "name"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="street_unique_in_district")]

    def __str__(self) -> str:
        return f"{self.district.name}{self.name}"


class Enterprise(models.Model):
    """A 市场主体. Every attribute keeps where it came from and as of when, in `provenance`."""

    scope = Owned(district="district", enterprise="pk")

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=200, db_index=True)
    entity_type = models.CharField("主体类型", max_length=16, choices=vocab.ENTITY_TYPES)
    industry = models.ForeignKey(Industry, on_delete=models.PROTECT, verbose_name="行业")
    # Denormalised from `industry` so lists filter on one indexed column.
    industry_section = models.CharField("行业门类", max_length=1, db_index=True, editable=False)
    industry_division = models.CharField("行业大类", max_length=2, db_index=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, verbose_name="区县")
    street = models.ForeignKey(Street, null=True, blank=True, on_delete=models.PROTECT, verbose_name="街道")
    registered_on = models.DateField("成立日期")
    registered_capital_fen = models.BigIntegerField("注册资本（分）", null=True, blank=True)
    employees = models.PositiveIntegerField("从业人数", null=True, blank=True)
    annual_revenue_fen = models.BigIntegerField("年营业收入（分）", null=True, blank=True)
    total_assets_fen = models.BigIntegerField("资产总额（分）", null=True, blank=True)
    tax_paid_fen = models.BigIntegerField("年纳税额（分）", null=True, blank=True)
    scale = models.CharField("企业规模", max_length=8, choices=vocab.SCALES, blank=True, editable=False)
    credit_class = models.CharField("信用风险分类", max_length=1, choices=vocab.CREDIT_CLASSES, blank=True)
    status = models.CharField("登记状态", max_length=16, choices=vocab.STATUSES, default="active")
    provenance = models.JSONField("数据来源", default=dict, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(verbose_name="市场主体变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "市场主体"
        ordering = ["uscc"]
        indexes = [
            # A district clerk's every list is `district = … ORDER BY uscc`; bench/bench_search.py measured
            # 2 s for 金台区's first page at a million rows without this one.
            models.Index(fields=["district", "uscc"], name="ent_district_uscc"),
            # Browsing by entity type in code order (three quarters are 个体工商户): without these the
            # database walks the code index past every company first (3-4 s for page 100).
            models.Index(fields=["district", "entity_type", "uscc"], name="ent_district_type_uscc"),
            models.Index(fields=["entity_type", "uscc"], name="ent_type_uscc"),
            # Credit class inside the composite: alone, `ent_credit` made PostgreSQL bitmap 570k B-class
            # rows before intersecting (100 ms and more).
            models.Index(
                fields=["industry_section", "scale", "credit_class", "district"],
                name="ent_sect_scale_credit_dist",
            ),
            models.Index(fields=["credit_class"], name="ent_credit"),
            models.Index(fields=["scale"], name="ent_scale"),
            models.Index(fields=["status"], name="ent_status"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.derive_fields()
        super().save(*args, **kwargs)

    def derive_fields(self) -> None:
        """Fill the columns computed from others: industry section/division and scale."""
        self.industry_section, self.industry_division = industry_parts(self.industry_id)
        self.scale = compute_scale(self) or ""

    def source_of(self, field: str) -> dict[str, str]:
        return self.provenance.get(field, {})


def industry_parts(code: str) -> tuple[str, str]:
    """(门类 letter, 大类 code) for a 大类/中类/小类 code; the letter comes from the shipped table."""
    division = code[:2] if code and code[0].isdigit() else ""
    return section_of(code), division


def compute_scale(enterprise: Enterprise) -> str | None:
    return classify_scale(
        enterprise.industry_id or "",
        employees=enterprise.employees,
        revenue_fen=enterprise.annual_revenue_fen,
        assets_fen=enterprise.total_assets_fen,
    )


class Qualification(models.Model):
    scope = Owned(district="enterprise__district", enterprise="enterprise")

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="qualifications", verbose_name="市场主体"
    )
    kind = models.CharField("资质类型", max_length=32, choices=vocab.QUALIFICATION_KINDS)
    level = models.CharField("认定层级", max_length=16, choices=vocab.QUALIFICATION_LEVELS)
    certified_on = models.DateField("认定日期")
    expires_on = models.DateField("有效期至", null=True, blank=True)
    source = models.CharField("数据来源", max_length=200, blank=True)
    as_of = models.DateField("数据日期", null=True, blank=True)

    history = HistoricalRecords(verbose_name="资质变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "资质"
        ordering = ["enterprise", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "kind", "level"], name="qualification_unique"),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("certified_on")),
                name="qualification_expires_after_certified",
            ),
        ]
        indexes = [models.Index(fields=["kind", "level"], name="qual_kind_level")]

    def __str__(self) -> str:
        return f"{self.get_level_display()}{self.get_kind_display()}"

    def is_valid_on(self, day: Any) -> bool:
        return self.certified_on <= day and (self.expires_on is None or day <= self.expires_on)


class Department(models.Model):
    """市/区/部门/科室 tree. A department with a district sees only that district's entities."""

    # A district sees the city's departments above it (read only) and changes only its own.
    scope = Owned(district="district", shared_city_rows=True)

    name = models.CharField("名称", max_length=100)
    code = models.SlugField("代码", max_length=40, unique=True)
    kind = models.CharField("层级", max_length=16, choices=vocab.DEPARTMENT_KINDS)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name="上级"
    )
    district = models.ForeignKey(
        District,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name="辖区",
        help_text="留空表示市级，可查看全市数据",
    )
    # The office's own order (市营商办 before 市场监管局 …), not the English code's alphabet.
    order = models.PositiveIntegerField("排序", default=100, help_text="数字小的排在前面")
    # A department closed or merged away: kept for its history, offered to nobody.
    is_active = models.BooleanField("启用", default=True)

    history = HistoricalRecords(verbose_name="部门变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "部门"
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": "上级部门不能是自身或下级部门"})
            ancestor = ancestor.parent


class User(AbstractUser):
    # Staff belong to their department's district, enterprise users to their enterprise's; a person with
    # neither (no role yet) is the city's to assign.
    scope = Owned(district=("department__district", "enterprise__district"), department="department")

    role = models.CharField(
        "角色",
        max_length=16,
        blank=True,
        choices=[(r.value, r.label) for r in Role if r != Role.NONE],
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name="所属部门",
    )
    enterprise = models.ForeignKey(
        Enterprise,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name="所属企业",
    )
    phone = models.CharField("手机号", max_length=20, blank=True)
    # Set when an administrator gave this person a password (a new account, a reset): they must choose
    # their own before anything else (core.middleware.PasswordChangeRequired).
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)

    history = HistoricalRecords(verbose_name="用户与角色变更记录", excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self) -> str:
        # Pages name people ("审核 马文博"), never by their login name alone.
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A login stamps last_login (Django's update_last_login): that is a login, recorded with its address
        # and time by the login log (django-axes), not a change of the user to list in the audit log.
        if set(kwargs.get("update_fields") or ()) == {"last_login"}:
            self.skip_history_when_saving = True
            try:
                super().save(*args, **kwargs)
            finally:
                del self.skip_history_when_saving
            return
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.role == Role.ENTERPRISE and self.enterprise_id is None:
            raise ValidationError({"enterprise": "企业用户必须绑定一家企业"})
        if self.role != Role.ENTERPRISE and self.enterprise_id is not None:
            raise ValidationError({"enterprise": "只有企业用户可以绑定企业"})
        if self.role in scope_rule.STAFF_ROLES and self.department_id is None:
            raise ValidationError({"department": "工作人员必须属于一个部门"})

    @property
    def role_enum(self) -> Role:
        try:
            return Role(self.role)
        except ValueError:
            return Role.NONE

    @property
    def role_label(self) -> str:
        return self.role_enum.label

    def can(self, capability: str) -> bool:
        """The role holds the capability (core.roles), the account is active, and a city-level function
        (core.scope.CITY_LEVEL_CAPABILITIES) is asked for by city-level staff."""
        return scope_rule.can(self, capability)

    @property
    def jurisdiction(self) -> District | None:
        """The district this user's work is limited to; None means the whole city."""
        return self.department.district if self.department_id else None

    def visible_enterprises(self) -> models.QuerySet[Enterprise]:
        """The entities this user may see at all (core.scope: its district, its own enterprise, or all)."""
        return scope_rule.scoped(Enterprise.objects.all(), self)


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored; the key is shown once."""

    scope = Personal(user="user")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name="用户")
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField("前缀", max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    # 等保: a token ends by itself (YINGSHANG_API_TOKEN_DAYS); a new one is issued on the 接口令牌 page.
    expires_at = models.DateTimeField("有效期至", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "接口令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        key = "ys_" + secrets.token_urlsafe(32)
        expires_at = clock.now() + dt.timedelta(days=settings.API_TOKEN_DAYS)
        token = cls.objects.create(
            user=user, name=name, prefix=key[:8], key_hash=cls.hash_key(key), expires_at=expires_at
        )
        return token, key

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= clock.now()

    @classmethod
    def authenticate(cls, key: str) -> User | None:
        token = (
            cls.objects.select_related("user", "user__department")
            .filter(key_hash=cls.hash_key(key), revoked_at__isnull=True, user__is_active=True)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=clock.now()))
            .first()
        )
        if token is None:
            return None
        cls.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user


class ImportBatch(models.Model):
    """One upload of a 企业名录 file: previewed first, applied only when confirmed."""

    scope = Owned(district="district")

    STATES = [
        ("previewed", "待确认"),
        ("applying", "导入中"),
        ("applied", "已导入"),
        ("rejected", "有错误未导入"),
        ("failed", "导入失败"),
    ]
    file_name = models.CharField("文件名", max_length=255)
    stored_path = models.CharField(max_length=500, editable=False)
    as_of = models.DateField("数据截至日期")
    source = models.CharField("数据来源", max_length=200)
    state = models.CharField("状态", max_length=16, choices=STATES, default="previewed")
    total_rows = models.PositiveIntegerField("总行数", default=0)
    valid_rows = models.PositiveIntegerField("有效行数", default=0)
    created_count = models.PositiveIntegerField("新增", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    problems = models.JSONField("问题清单", default=list, blank=True)
    # What the preview and the result pages show (counts, notices, sample rows, the error of a failed
    # apply), so a page view never re-reads a 100,000-row file.
    report = models.JSONField("导入报告", default=dict, blank=True)
    uploaded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, verbose_name="上传人")
    # The importing user's district: its rows may only be of that district. Empty: a city-level import.
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.PROTECT, verbose_name="辖区", related_name="+"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    applied_at = models.DateTimeField("导入时间", null=True, blank=True)
    # Who applies it and when it last moved (core.workers): a batch whose process died while 导入中 is
    # marked 导入失败 with the reason (importer.fail_dead_batches), and can be imported again.
    worker = models.CharField("处理进程", max_length=120, blank=True)
    heartbeat_at = models.DateTimeField("最近进展", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "名录导入批次"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_state_display()}）"

    @staticmethod
    def as_of_problem(as_of: dt.date) -> str:
        """Why a 数据截至日期 is refused ('' when it is fine): the page and the command ask the same."""
        if as_of > clock.today():
            return "数据截至日期不能晚于今天"
        return ""
