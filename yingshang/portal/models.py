"""企业码: the revocable version of each enterprise's code. The token itself is signed, not stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from yingshang.core.scope import Owned
from yingshang.registry.models import Enterprise


class EnterpriseCode(models.Model):
    """The enterprise's current code version. Reissuing a card raises the version, so every token
    signed for an older version (and every session opened with one) stops working at once."""

    scope = Owned(district="enterprise__district", enterprise="enterprise")

    enterprise = models.OneToOneField(
        Enterprise, on_delete=models.CASCADE, related_name="code", verbose_name="市场主体"
    )
    version = models.PositiveIntegerField("版本", default=1)
    issued_at = models.DateTimeField("签发时间")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords(verbose_name="企业码签发记录")

    class Meta:
        verbose_name = verbose_name_plural = "企业码"

    def __str__(self) -> str:
        return f"{self.enterprise_id} 第{self.version}版"
