"""12345 hotline exports: which column of the file is which of our fields, and every row checked.

Plain Python, no Django (an engine, listed in .importlinter). Hotline centres export their work orders
with headers of their own (工单号 or 工单编号, 来电时间 or 受理时间 …), so an import has a mapping step:
`guess_mapping` proposes one from common header names, the 营商办 corrects it, `check_mapping` says
what is still missing, and `check_rows` reads every row into a `HotlineRow` or reports each problem
with its row number and column, in Chinese. Whether a work order was already imported, and the
writing, are the service's (appeals.services.hotline).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from yingshang.appeals.workflow import KIND_LABELS, Kind
from yingshang.core.phones import PHONE_RE
from yingshang.core.spreadsheets.cells import (
    CellError,
    CellProblem,
    Problem,
    cell_text,
    column_letter,
    is_blank,
    normalise_header,
)
from yingshang.registry.import_format import parse_uscc

# The same limits and phone rule as appeals.services (which cannot be imported here: it is Django);
# test_hotline.py pins them to the services' values.
TEXT_MAX_CHARS = 5000
TITLE_MAX_CHARS = 100
NAME_MAX_CHARS = 50
PLACE_MAX_CHARS = 200
WORK_ORDER_MAX_CHARS = 40
# Every row becomes an appeal in one transaction: a day's or a week's export, not a year's.
MAX_ROWS = 20_000
# Hotline records before this year are a mistyped year, not history worth importing.
EARLIEST_YEAR = 2000


@dataclass(frozen=True)
class Field:
    """One of our fields a column of the file may be mapped to."""

    key: str
    label: str
    required: bool = False
    guesses: tuple[str, ...] = ()  # headers that usually mean this field, most telling first


FIELDS: tuple[Field, ...] = (
    Field(
        "work_order", "工单编号", True, ("工单编号", "工单号", "热线工单号", "工单编码", "受理编号", "编号")
    ),
    Field(
        "received",
        "受理时间",
        True,
        ("受理时间", "来电时间", "登记时间", "工单创建时间", "创建时间", "受理日期", "来电日期"),
    ),
    Field("kind", "诉求类型", False, ("诉求类型", "诉求类别", "工单类型", "来电类型", "问题类型", "类型")),
    Field("title", "标题", False, ("标题", "工单标题", "诉求标题", "主题")),
    Field(
        "text",
        "诉求内容",
        True,
        ("诉求内容", "来电内容", "问题描述", "工单内容", "反映内容", "诉求描述", "内容"),
    ),
    Field("name", "联系人", False, ("联系人", "来电人", "来电人姓名", "联系人姓名", "诉求人", "姓名")),
    # Required although the issue lists it as optional: an appeal is answered and its 回访 made by phone
    # (Appeal.requester_phone, checked by services.submit_appeal).
    Field(
        "phone",
        "联系电话",
        True,
        ("联系电话", "来电号码", "来电电话", "联系方式", "联系号码", "手机号码", "电话"),
    ),
    Field("district", "所在区县", False, ("所在区县", "区县", "所属区县", "所属区域", "区域", "行政区划")),
    Field("place", "地点", False, ("地点", "发生地点", "事发地点", "问题地点", "详细地址", "地址")),
    Field(
        "uscc",
        "诉求企业统一社会信用代码",
        False,
        ("诉求企业统一社会信用代码", "企业统一社会信用代码", "统一社会信用代码", "社会信用代码", "信用代码"),
    ),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}

# 诉求类型 as hotline centres write it → our kind; a cell naming one of these (“投诉类”) is that kind.
KIND_WORDS: dict[str, Kind] = {
    **{label: kind for kind, label in KIND_LABELS.items()},
    "求决": Kind.HELP,
    "意见": Kind.SUGGESTION,
    "意见建议": Kind.SUGGESTION,
    "检举": Kind.REPORT,
}


# ==================================================================================================
# The mapping step
# ==================================================================================================

ColumnMapping = dict[str, int]  # field key → 0-based column index of the file


def header_texts(cells: Sequence[Any]) -> list[str]:
    """The header row as text; an empty header stays "" (its column cannot be chosen)."""
    texts = []
    for cell in cells:
        texts.append(str(cell) if isinstance(cell, CellError) else cell_text(cell))
    return texts


def guess_mapping(headers: Sequence[str]) -> ColumnMapping:
    """A mapping from common header names: exact names first (after normalising spaces, brackets and a
    leading *), then a header containing a name of four or more characters (“来电内容（摘要）”). A column
    is given to one field at most; a field its first match."""
    normalised = [normalise_header(h) for h in headers]
    mapping: ColumnMapping = {}
    taken: set[int] = set()

    def claim(test: Callable[[str, str], bool]) -> None:
        for spec in FIELDS:
            if spec.key in mapping:
                continue
            for guess in spec.guesses:
                wanted = normalise_header(guess)
                index = next(
                    (i for i, h in enumerate(normalised) if h and i not in taken and test(h, wanted)), None
                )
                if index is not None:
                    mapping[spec.key] = index
                    taken.add(index)
                    break

    claim(lambda header, wanted: header == wanted)
    claim(lambda header, wanted: len(wanted) >= 4 and wanted in header)
    return mapping


def check_mapping(mapping: Mapping[str, int], column_count: int, *, default_district: bool) -> list[str]:
    """What is wrong with a mapping, in Chinese ([] when it can be used)."""
    problems = []
    for spec in FIELDS:
        if spec.required and spec.key not in mapping:
            problems.append(f"请为“{spec.label}”选择文件中的一列（必填）")
    if "district" not in mapping and not default_district:
        problems.append("请为“所在区县”选择文件中的一列，或为整份文件选择一个区县")
    by_column: dict[int, list[str]] = {}
    problems += [f"未知的字段“{key}”" for key in mapping if key not in FIELD_BY_KEY]
    for spec in FIELDS:  # in the fields' order, so messages read as the mapping page does
        index = mapping.get(spec.key)
        if index is None:
            continue
        if not 0 <= index < column_count:
            problems.append(f"“{spec.label}”选择的列不在文件中")
            continue
        by_column.setdefault(index, []).append(spec.label)
    for index, labels in sorted(by_column.items()):
        if len(labels) > 1:
            problems.append(
                f"{column_letter(index)} 列同时选给了{'和'.join(f'“{x}”' for x in labels)}，一列只能对应一项"
            )
    return problems


# ==================================================================================================
# Rows
# ==================================================================================================


@dataclass(frozen=True)
class Rules:
    """What a row is checked against: the moment of the check (a 受理时间 may not be later), the time
    zone of times written without one, the districts known (name or code → id) and those this import
    may write into, and what a blank 所在区县 or 诉求类型 means."""

    now: dt.datetime
    tz: dt.tzinfo
    districts: Mapping[str, int]
    district_names: Mapping[int, str]
    allowed_districts: Collection[int] | None  # None: any district (a city-level import)
    default_district: int | None = None
    default_kind: str = Kind.HELP.value


@dataclass(frozen=True)
class HotlineRow:
    """One work order, checked: what submit_appeal needs, and where it came from."""

    row: int
    work_order: str
    received_at: dt.datetime
    kind: str
    title: str
    text: str
    name: str
    phone: str
    district_id: int
    place: str
    uscc: str


@dataclass
class Checked:
    rows: list[HotlineRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    total_rows: int = 0  # non-blank data rows, good and bad

    @property
    def bad_rows(self) -> int:
        return len({p.row for p in self.problems if p.row is not None})


def check_rows(
    rows: Iterable[tuple[int, list[Any]]],
    headers: Sequence[str],
    mapping: Mapping[str, int],
    rules: Rules,
    *,
    sheet: str,
    max_rows: int = MAX_ROWS,
) -> Checked:
    """Every non-blank row read through the mapping; each bad cell and each work-order number used twice
    in the file is a Problem (row number as Excel shows it, the column's header and letter)."""
    result = Checked()
    first_seen: dict[str, int] = {}
    for number, cells in rows:
        if all(is_blank(c) for c in cells):
            continue
        result.total_rows += 1
        if result.total_rows > max_rows:
            result.problems.append(
                Problem(
                    sheet,
                    None,
                    "",
                    f"文件超过 {max_rows:,} 行，请按日期拆分后分批导入（重复导入不会重复新增）",
                )
            )
            break
        values: dict[str, Any] = {}
        ok = True
        for spec in FIELDS:
            index = mapping.get(spec.key)
            raw = cells[index] if index is not None and index < len(cells) else None
            try:
                values[spec.key] = _parse(spec.key, raw, rules)
            except CellProblem as problem:
                written = headers[index] if index is not None and index < len(headers) else spec.label
                letter = column_letter(index) if index is not None else ""
                result.problems.append(Problem(sheet, number, written, str(problem), letter))
                ok = False
        work_order = values.get("work_order")
        if work_order:
            if work_order in first_seen:
                index = mapping["work_order"]
                result.problems.append(
                    Problem(
                        sheet,
                        number,
                        headers[index] if index < len(headers) else "工单编号",
                        f"工单编号“{work_order}”与第 {first_seen[work_order]} 行重复",
                        column_letter(index),
                    )
                )
                ok = False
            else:
                first_seen[work_order] = number
        if ok:
            result.rows.append(
                HotlineRow(
                    row=number,
                    work_order=values["work_order"],
                    received_at=values["received"],
                    kind=values["kind"],
                    title=values["title"],
                    text=values["text"],
                    name=values["name"],
                    phone=values["phone"],
                    district_id=values["district"],
                    place=values["place"],
                    uscc=values["uscc"],
                )
            )
    if result.total_rows == 0:
        result.problems.append(Problem(sheet, None, "", "文件只有表头，没有数据行"))
    return result


def _parse(key: str, raw: Any, rules: Rules) -> Any:
    if key == "work_order":
        return _work_order(raw)
    if key == "received":
        return parse_received(raw, rules.now, rules.tz)
    if key == "kind":
        return parse_kind(raw, rules.default_kind)
    if key == "text":
        return _text(raw)
    if key == "phone":
        return parse_phone(raw)
    if key == "district":
        return parse_district(raw, rules)
    if key == "uscc":
        return "" if is_blank(raw) else parse_uscc(raw)
    limit = {"title": TITLE_MAX_CHARS, "name": NAME_MAX_CHARS, "place": PLACE_MAX_CHARS}[key]
    text = cell_text(raw)
    if len(text) > limit:
        raise CellProblem(f"{FIELD_BY_KEY[key].label}共 {len(text):,} 字，最多 {limit} 字")
    return text


def _work_order(raw: Any) -> str:
    if isinstance(raw, float) and not raw.is_integer():
        raise CellProblem(f"工单编号“{raw}”是小数，请把该列设为“文本”格式后重新导出")
    text = cell_text(raw)
    if not text:
        raise CellProblem("缺少工单编号")
    if len(text) > WORK_ORDER_MAX_CHARS:
        raise CellProblem(f"工单编号过长：{len(text)} 个字符，最多 {WORK_ORDER_MAX_CHARS} 个")
    return text


def _text(raw: Any) -> str:
    text = cell_text(raw)
    if not text:
        raise CellProblem("缺少诉求内容")
    if len(text) > TEXT_MAX_CHARS:
        raise CellProblem(f"诉求内容共 {len(text):,} 字，超过 {TEXT_MAX_CHARS:,} 字的上限")
    return text


_MOMENT_PATTERNS = (
    re.compile(
        r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
        r"(?:\s*[T ]?\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})\s*(?:[:：分]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?\s*分?)?$"
    ),
    re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\s*(\d{2}):?(\d{2})(?::?(\d{2}))?)?$"),
)


def parse_received(raw: Any, now: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """受理时间: a date-time or date cell, or text such as 2026-05-06 09:12:33, 2026/5/6 9:12,
    2026年5月6日 9时12分, 20260506091233; a time without a zone is in `tz`; not later than `now`."""
    if isinstance(raw, bool):
        raise CellProblem(f"受理时间“{raw}”不是时间")
    if isinstance(raw, dt.datetime):
        moment = raw
    elif isinstance(raw, dt.date):
        moment = dt.datetime(raw.year, raw.month, raw.day)
    elif isinstance(raw, float) or (isinstance(raw, int) and len(str(raw)) not in (8, 12, 14)):
        raise CellProblem(f"受理时间“{cell_text(raw)}”是数字不是时间，请填写如 2026-05-06 09:30 的时间")
    else:
        moment = _moment_of_text(cell_text(raw))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    if moment.year < EARLIEST_YEAR:
        raise CellProblem(f"受理时间“{_shown(moment, tz)}”早于 {EARLIEST_YEAR} 年，请核对")
    if moment > now:
        raise CellProblem(f"受理时间“{_shown(moment, tz)}”晚于当前时间，请核对")
    return moment


def _moment_of_text(text: str) -> dt.datetime:
    if not text:
        raise CellProblem("缺少受理时间")
    for pattern in _MOMENT_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day, hour, minute, second = (int(p) if p else 0 for p in match.groups())
            try:
                return dt.datetime(year, month, day, hour, minute, second)
            except ValueError:
                raise CellProblem(f"受理时间“{text}”不是存在的时间") from None
    raise CellProblem(f"受理时间“{text}”格式不对，请填写如 2026-05-06 09:30 的时间")


def _shown(moment: dt.datetime, tz: dt.tzinfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def parse_kind(raw: Any, default: str) -> str:
    """诉求类型: 咨询/求助/投诉/举报/建议 (or a cell naming one, such as “投诉类”); blank: `default`."""
    text = cell_text(raw)
    if not text:
        return default
    exact = KIND_WORDS.get(text)
    if exact is not None:
        return exact.value
    named = {kind for word, kind in KIND_WORDS.items() if word in text}
    if len(named) == 1:
        return named.pop().value
    allowed = "、".join(KIND_LABELS.values())
    raise CellProblem(f"无法识别的诉求类型“{text}”，应为{allowed}之一（留空则按整份文件的默认类型）")


def parse_phone(raw: Any) -> str:
    """An 11-digit mobile or a landline with its area code; spaces, full-width digits and a leading
    +86 as hotline systems write them are dropped."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = unicodedata.normalize("NFKC", cell_text(raw))
    if not text:
        raise CellProblem("缺少联系电话")
    compact = re.sub(r"[\s()（）]", "", text)
    compact = re.sub(r"^(?:\+?86)(?=1\d{10}$)", "", compact)
    if not PHONE_RE.match(compact):
        raise CellProblem(f"联系电话“{text}”格式不正确：应为 11 位手机号或带区号的固定电话")
    return compact


def parse_district(raw: Any, rules: Rules) -> int:
    """所在区县 by name or code (“渭滨区”, “渭滨”, “宝鸡市渭滨区”, “610302”); blank: the file's default.
    A district outside this import's reach is refused as such."""
    text = cell_text(raw)
    if not text:
        if rules.default_district is None:
            raise CellProblem("缺少所在区县（也没有为整份文件选择区县）")
        return rules.default_district
    district = rules.districts.get(text)
    if district is None:
        named = {pk for name, pk in rules.districts.items() if len(name) >= 2 and name in text}
        if len(named) != 1:
            named = {pk for name, pk in rules.districts.items() if len(text) >= 2 and name.startswith(text)}
        district = named.pop() if len(named) == 1 else None
    if district is None:
        known = "、".join(rules.district_names.values()) or "（系统中还没有区县）"
        raise CellProblem(f"未知的区县“{text}”，应为：{known}")
    if rules.allowed_districts is not None and district not in rules.allowed_districts:
        raise CellProblem(f"“{rules.district_names.get(district, text)}”不在您的辖区内，不能导入")
    return district
