"""The shared ground's own table: who viewed or downloaded personal data (core.access_log)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from yingshang.core import clock
from yingshang.core.scope import Owned

ACCESS_KINDS = [
    ("payment_file", "下载拨付文件（含完整收款账号）"),
    ("registry_export", "导出企业名录"),
    ("results_export", "导出匹配结果"),
    ("contacts", "查看未脱敏的联系方式"),
]


class AccessRecord(models.Model):
    """One view or download of personal data: who, when, what, which object or filters, from where.

    Written only by core.access_log.record_access, never changed. Owned by the district whose data was
    read (the object's, else the reader's): a district's auditor reads its district's records, the
    city's all. The district is kept as a plain number: core sits below registry and names none of its
    tables."""

    scope = Owned(district="district_pk")

    at = models.DateTimeField("时间", default=clock.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="操作人",
    )
    # As the reader was called then: a renamed or deleted account does not rewrite the trail.
    user_label = models.CharField("操作人姓名", max_length=200)
    what = models.CharField("操作", max_length=32, choices=ACCESS_KINDS)
    object_type = models.CharField("对象类型", max_length=100, blank=True)
    object_pk = models.CharField("对象编号", max_length=64, blank=True)
    object_label = models.CharField("对象", max_length=300, blank=True)
    detail = models.TextField("筛选条件或说明", blank=True)
    address = models.GenericIPAddressField("网络地址", null=True, blank=True)
    district_pk = models.IntegerField("所属区县编号", null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "个人信息查看与下载记录"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_label} {self.get_what_display()} {self.object_label}".strip()
