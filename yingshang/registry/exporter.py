"""企业名录 export to .xlsx, in the import format, so an exported file imports back unchanged.

The workbook is written by the house writer (yingshang.core.spreadsheets: bold frozen header, column
widths, text that looks like a formula kept as text) from a streamed queryset, so 100,000 rows do not
sit in memory. Money goes out in 万元 as a number when a double holds it exactly, otherwise as text,
so no fen is ever lost on the way to Excel and back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import IO, Any, TypeVar

from django.db.models import QuerySet

from yingshang.core.spreadsheets import Sheet, save_workbook
from yingshang.registry import vocab
from yingshang.registry.importer import (
    ENTERPRISE_COLUMNS,
    ENTERPRISE_SHEET,
    QUALIFICATION_COLUMNS,
    QUALIFICATION_SHEET,
)
from yingshang.registry.models import Enterprise, Qualification

FEN_PER_WAN = 1_000_000
CHUNK = 2000

# The import's canonical columns (money in 万元), then two columns for reading only.
ENTERPRISE_EXPORT_COLUMNS = [c for c in ENTERPRISE_COLUMNS if c.unit != "yuan"]
ENTERPRISE_HEADERS = [c.header for c in ENTERPRISE_EXPORT_COLUMNS] + ["行业名称", "企业规模"]
QUALIFICATION_HEADERS = ["统一社会信用代码", "名称"] + [c.header for c in QUALIFICATION_COLUMNS[1:]]

_ENTERPRISE_VALUES = (
    "uscc",
    "name",
    "entity_type",
    "industry_id",
    "district__name",
    "street__name",
    "registered_on",
    "registered_capital_fen",
    "employees",
    "annual_revenue_fen",
    "total_assets_fen",
    "tax_paid_fen",
    "credit_class",
    "status",
    "industry__name",
    "scale",
)
ProgressTick = Callable[[int], None]


def fen_to_wan(fen: int | None) -> int | float | str | None:
    """Integer fen → 万元 for a cell: exact number where a double can hold it, else exact text."""
    if fen is None:
        return None
    if fen % FEN_PER_WAN == 0:
        return fen // FEN_PER_WAN
    exact = Decimal(fen) / FEN_PER_WAN
    as_float = float(exact)
    return as_float if Decimal(repr(as_float)) == exact else str(exact)


def enterprise_cells(values: tuple[Any, ...]) -> list[Any]:
    (uscc, name, entity_type, industry, district, street, registered_on, capital, employees, revenue, assets,
     tax, credit, status, industry_name, scale) = values  # fmt: skip
    return [
        uscc,
        name,
        vocab.label_of(vocab.ENTITY_TYPES, entity_type),
        industry,
        district,
        street or None,
        registered_on,
        fen_to_wan(capital),
        employees,
        fen_to_wan(revenue),
        fen_to_wan(assets),
        fen_to_wan(tax),
        credit or None,
        vocab.label_of(vocab.STATUSES, status),
        industry_name,
        vocab.label_of(vocab.SCALES, scale) or None,
    ]


# Codes are text: typed into a column formatted as a number, 0111 would lose its 0 and a USCC its end.
_TEXT_COLUMNS = {0: "@", 3: "@"}
T = TypeVar("T")


def _counted(items: Iterable[T], progress: ProgressTick | None, counter: list[int]) -> Iterator[T]:
    for item in items:
        yield item
        counter[0] += 1
        if progress is not None and counter[0] % CHUNK == 0:
            progress(CHUNK)
    if progress is not None:
        progress(counter[0] % CHUNK)


def write_registry(
    enterprises: QuerySet[Enterprise], target: str | IO[bytes], progress: ProgressTick | None = None
) -> int:
    """Write the enterprises (and their qualifications) as a workbook; returns the number of rows."""
    count = [0]
    rows = enterprises.order_by("uscc").values_list(*_ENTERPRISE_VALUES).iterator(chunk_size=CHUNK)
    held = (
        Qualification.objects.filter(enterprise__in=enterprises.order_by().values("pk"))
        .order_by("enterprise__uscc", "kind", "level")
        .values_list("enterprise__uscc", "enterprise__name", "kind", "level", "certified_on", "expires_on")
    )
    qualifications = (
        [
            uscc,
            name,
            vocab.label_of(vocab.QUALIFICATION_KINDS, kind),
            vocab.label_of(vocab.QUALIFICATION_LEVELS, level),
            certified_on,
            expires_on,
        ]
        for uscc, name, kind, level, certified_on, expires_on in held.iterator(chunk_size=CHUNK)
    )
    save_workbook(
        [
            Sheet(
                ENTERPRISE_SHEET,
                ENTERPRISE_HEADERS,
                (enterprise_cells(values) for values in _counted(rows, progress, count)),
                formats=_TEXT_COLUMNS,
            ),
            Sheet(QUALIFICATION_SHEET, QUALIFICATION_HEADERS, qualifications, formats={0: "@"}),
        ],
        target,
    )
    return count[0]


def write_template(target: str | IO[bytes]) -> None:
    """An empty workbook in the import format with one example row and a sheet of notes."""
    example = [
        "91610302MA6X00001K（示例，请替换）",
        "宝鸡市示例科技有限公司",
        "企业",
        "3911",
        "渭滨区",
        "经二路街道",
        dt.date(2018, 5, 1),
        500,
        120,
        8000.5,
        3000,
        45.25,
        "B",
        "存续",
    ]
    save_workbook(
        [
            Sheet(ENTERPRISE_SHEET, ENTERPRISE_HEADERS[:-2], [example], formats=_TEXT_COLUMNS),
            Sheet(QUALIFICATION_SHEET, QUALIFICATION_HEADERS, [], formats={0: "@"}),
            Sheet("填写说明", TEMPLATE_NOTES[:1], [[line] for line in TEMPLATE_NOTES[1:]], widths=[110]),
        ],
        target,
    )


TEMPLATE_NOTES = [
    "填写说明（本工作表导入时自动跳过）",
    "1. 第一行是表头，不要改名；删除示例行后从第二行起每行一个市场主体。",
    "2. 统一社会信用代码、名称、主体类型、行业代码、区县、成立日期必填；其余可留空，留空表示“暂无数据”。",
    "3. 主体类型：企业、个体工商户、农民专业合作社；登记状态：存续、注销、吊销；信用风险分类：A、B、C、D。",
    "4. 行业代码按 GB/T 4754-2017 填大类、中类或小类代码（如 39、391、3911），请把该列设为“文本”格式。",
    "5. 金额单位为万元，最多 6 位小数（精确到分）；也可把表头改为“注册资本（元）”等按元填写。",
    "6. 同一文件中每个统一社会信用代码只能出现一次；重复导入按统一社会信用代码更新，不会重复新增。",
    "7. 有任何一行出错时整份文件都不会导入，请按问题清单修改后重新上传。",
    "8. “资质”工作表可选：统一社会信用代码、资质类型、认定层级（国家、省、市、区）、认定日期、有效期至。",
]
