"""The fields of an enterprise (市场主体), written once: name, Chinese label, kind, in the page's order.

Every list of enterprise fields reads this one: the 企业画像 page (registry/views.py), the API's
provenance (registry/schemas.py), the 政策计算器's provenance (policies/services.py). The import and the
export (registry/importer.py, registry/exporter.py) still carry their own column tables with units and
aliases; they are to be built from this list too.

`name` is the model field's name (a foreign key without "_id"), which is also the key under which the
import records where a value came from (`Enterprise.provenance`); `attname` is the attribute that holds
the stored value ("industry_id").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["ENTERPRISE_FIELDS", "RECORDED_FIELDS", "SCALE_SOURCE", "EnterpriseField", "FieldKind"]

# code: a code or an identifier; text; choice: one of a vocabulary (vocab.py); ref: another table
# (industry, district, street); date; money: integer fen; count: a whole number of people or things.
FieldKind = Literal["code", "text", "choice", "ref", "date", "money", "count"]

SCALE_SOURCE = "系统按行业、从业人数、营业收入、资产总额计算（《统计上大中小微型企业划分办法（2017）》）"


@dataclass(frozen=True)
class EnterpriseField:
    name: str
    label: str
    kind: FieldKind
    recorded: bool = True  # the import records its source; False: computed here (企业规模)

    @property
    def attname(self) -> str:
        return f"{self.name}_id" if self.kind == "ref" else self.name


ENTERPRISE_FIELDS: tuple[EnterpriseField, ...] = (
    EnterpriseField("uscc", "统一社会信用代码", "code"),
    EnterpriseField("name", "名称", "text"),
    EnterpriseField("entity_type", "主体类型", "choice"),
    EnterpriseField("industry", "行业", "ref"),
    EnterpriseField("district", "区县", "ref"),
    EnterpriseField("street", "街道", "ref"),
    EnterpriseField("registered_on", "成立日期", "date"),
    EnterpriseField("registered_capital_fen", "注册资本", "money"),
    EnterpriseField("employees", "从业人数", "count"),
    EnterpriseField("annual_revenue_fen", "年营业收入", "money"),
    EnterpriseField("total_assets_fen", "资产总额", "money"),
    EnterpriseField("tax_paid_fen", "年纳税额", "money"),
    EnterpriseField("scale", "企业规模", "choice", recorded=False),
    EnterpriseField("credit_class", "信用风险分类", "choice"),
    EnterpriseField("status", "登记状态", "choice"),
)
# The fields whose source the import records, by name: the keys of `Enterprise.provenance`.
RECORDED_FIELDS: tuple[str, ...] = tuple(f.name for f in ENTERPRISE_FIELDS if f.recorded)
