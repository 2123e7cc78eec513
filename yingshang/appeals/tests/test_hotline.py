"""The hotline import engine (appeals/hotline.py): header guessing, the mapping check, and every row's
cells read or refused with its row number and column — table-driven, no database."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from yingshang.appeals import hotline, services
from yingshang.appeals.hotline import Rules, check_mapping, check_rows, guess_mapping
from yingshang.core.spreadsheets import CellError

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=TZ)
WEIBIN, JINTAI = 1, 2
RULES = Rules(
    now=NOW,
    tz=TZ,
    districts={"渭滨区": WEIBIN, "610302": WEIBIN, "金台区": JINTAI, "610303": JINTAI},
    district_names={WEIBIN: "渭滨区", JINTAI: "金台区"},
    allowed_districts={WEIBIN},
)
HEADERS = ["工单号", "来电时间", "诉求类型", "来电内容", "来电人", "来电号码", "所在区县"]
MAPPING = guess_mapping(HEADERS)
GOOD = ["12345-0001", "2026-06-01 09:30:00", "投诉", "窗口排队三小时", "张三", "13812345678", "渭滨区"]


def row(**changes: Any) -> list[Any]:
    cells = list(GOOD)
    for header, value in changes.items():
        cells[HEADERS.index(header)] = value
    return cells


# ==================================================================================================
# Guessing the mapping
# ==================================================================================================


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            HEADERS,
            {"work_order": 0, "received": 1, "kind": 2, "text": 3, "name": 4, "phone": 5, "district": 6},
        ),
        (
            ["工单编号", "受理时间", "问题描述", "联系人", "联系电话"],
            {"work_order": 0, "received": 1, "text": 2},
        ),
        (["编号", "受理日期", "诉求内容（摘要）"], {"work_order": 0, "received": 1, "text": 2}),
        (["* 工单编号 ", "来电时间", "内容"], {"work_order": 0, "received": 1, "text": 2}),
        (["序号", "备注"], {}),
        (["工单号", "工单编号"], {"work_order": 1}),  # the more telling name wins, the other is left
    ],
)
def test_it_guesses_the_columns_from_common_header_names(headers: list[str], expected: dict) -> None:
    found = guess_mapping(headers)
    assert {k: v for k, v in found.items() if k in expected} == expected
    assert len(set(found.values())) == len(found)  # a column goes to one field at most


def test_it_maps_the_usual_contact_headers() -> None:
    found = guess_mapping(["来电人", "来电号码", "诉求企业统一社会信用代码", "事发地点", "标题"])
    assert found == {"name": 0, "phone": 1, "uscc": 2, "place": 3, "title": 4}


@pytest.mark.parametrize(
    ("mapping", "default_district", "message"),
    [
        (
            {"received": 1, "text": 3, "phone": 5, "district": 6},
            False,
            "请为“工单编号”选择文件中的一列（必填）",
        ),
        (
            {"work_order": 0, "text": 3, "phone": 5, "district": 6},
            False,
            "请为“受理时间”选择文件中的一列（必填）",
        ),
        ({"work_order": 0, "received": 1, "text": 3, "phone": 5}, False, "或为整份文件选择一个区县"),
        ({**MAPPING, "title": 3}, False, "D 列同时选给了“标题”和“诉求内容”"),
        ({**MAPPING, "place": 99}, False, "“地点”选择的列不在文件中"),
    ],
)
def test_it_says_what_a_mapping_lacks(mapping: dict, default_district: bool, message: str) -> None:
    problems = check_mapping(mapping, len(HEADERS), default_district=default_district)
    assert any(message in p for p in problems), problems


def test_a_full_mapping_or_a_file_district_passes() -> None:
    assert check_mapping(MAPPING, len(HEADERS), default_district=False) == []
    without = {k: v for k, v in MAPPING.items() if k != "district"}
    assert check_mapping(without, len(HEADERS), default_district=True) == []


# ==================================================================================================
# Rows
# ==================================================================================================


def test_a_good_row_is_read_with_the_hotline_time_and_kind() -> None:
    checked = check_rows([(2, GOOD)], HEADERS, MAPPING, RULES, sheet="Sheet1")
    assert checked.problems == []
    (read,) = checked.rows
    assert read.row == 2 and read.work_order == "12345-0001"
    assert read.received_at == dt.datetime(2026, 6, 1, 9, 30, tzinfo=TZ)
    assert (read.kind, read.district_id, read.phone, read.name) == (
        "complaint",
        WEIBIN,
        "13812345678",
        "张三",
    )


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (dt.datetime(2026, 6, 1, 9, 30), dt.datetime(2026, 6, 1, 9, 30, tzinfo=TZ)),
        (dt.date(2026, 6, 1), dt.datetime(2026, 6, 1, 0, 0, tzinfo=TZ)),
        ("2026/6/1 9:30", dt.datetime(2026, 6, 1, 9, 30, tzinfo=TZ)),
        ("2026年6月1日 9时30分", dt.datetime(2026, 6, 1, 9, 30, tzinfo=TZ)),
        ("20260601093015", dt.datetime(2026, 6, 1, 9, 30, 15, tzinfo=TZ)),
        (20260601093015, dt.datetime(2026, 6, 1, 9, 30, 15, tzinfo=TZ)),
        ("2026-06-01", dt.datetime(2026, 6, 1, 0, 0, tzinfo=TZ)),
    ],
)
def test_it_reads_the_received_time_as_hotlines_write_it(cell: Any, expected: dt.datetime) -> None:
    assert hotline.parse_received(cell, NOW, TZ) == expected


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        ({"工单号": ""}, "A", "缺少工单编号"),
        ({"工单号": 12345.5}, "A", "是小数"),
        ({"来电时间": "2026-02-30 10:00"}, "B", "受理时间“2026-02-30 10:00”不是存在的时间"),
        ({"来电时间": "昨天下午"}, "B", "格式不对"),
        ({"来电时间": 45000.5}, "B", "是数字不是时间"),
        ({"来电时间": "2026-07-01 08:00"}, "B", "晚于当前时间"),
        ({"来电时间": "1999-12-31 08:00"}, "B", "早于 2000 年"),
        ({"来电时间": ""}, "B", "缺少受理时间"),
        ({"诉求类型": "表扬"}, "C", "无法识别的诉求类型“表扬”"),
        ({"来电内容": ""}, "D", "缺少诉求内容"),
        ({"来电内容": "长" * 5001}, "D", "诉求内容共 5,001 字，超过 5,000 字的上限"),
        ({"来电人": "名" * 51}, "E", "联系人共 51 字，最多 50 字"),
        ({"来电号码": "12345"}, "F", "联系电话“12345”格式不正确"),
        ({"来电号码": ""}, "F", "缺少联系电话"),
        ({"来电号码": CellError("#N/A")}, "F", "Excel 错误值 #N/A"),
        ({"所在区县": "火星区"}, "G", "未知的区县“火星区”，应为：渭滨区、金台区"),
        ({"所在区县": "金台区"}, "G", "“金台区”不在您的辖区内"),
        ({"所在区县": ""}, "G", "缺少所在区县"),
    ],
)
def test_each_bad_cell_is_reported_with_its_row_and_column(changes: dict, column: str, message: str) -> None:
    checked = check_rows(
        [(2, GOOD), (3, row(**{"工单号": "12345-0002", **changes}))], HEADERS, MAPPING, RULES, sheet="S"
    )
    assert [r.row for r in checked.rows] == [2]
    (problem,) = checked.problems
    assert (problem.row, problem.letter) == (3, column)
    assert problem.column == HEADERS["ABCDEFG".index(column)]
    assert message in problem.message


def test_a_work_order_number_twice_in_the_file_is_reported_on_the_later_row() -> None:
    checked = check_rows(
        [(2, GOOD), (3, GOOD), (4, row(工单号="12345-0009"))], HEADERS, MAPPING, RULES, sheet="S"
    )
    (problem,) = checked.problems
    assert (problem.row, problem.letter) == (3, "A")
    assert problem.message == "工单编号“12345-0001”与第 2 行重复"
    assert [r.row for r in checked.rows] == [2, 4]


def test_every_problem_of_a_row_is_listed_not_only_the_first() -> None:
    checked = check_rows([(5, row(来电时间="坏", 来电号码="坏"))], HEADERS, MAPPING, RULES, sheet="S")
    assert [(p.row, p.letter) for p in checked.problems] == [(5, "B"), (5, "F")]
    assert checked.bad_rows == 1


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("13812345678", "13812345678"),
        (13812345678, "13812345678"),
        (13812345678.0, "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 13812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("0917-3216666", "0917-3216666"),
        ("(0917)3216666", "09173216666"),
    ],
)
def test_it_reads_phones_as_hotline_systems_write_them(cell: Any, expected: str) -> None:
    assert hotline.parse_phone(cell) == expected
    assert services.PHONE_RE.match(expected)  # what submit_appeal then accepts


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("渭滨区", WEIBIN),
        ("610302", WEIBIN),
        (610302, WEIBIN),
        ("宝鸡市渭滨区", WEIBIN),
        ("渭滨", WEIBIN),
        ("", WEIBIN),  # blank: the file's district
    ],
)
def test_it_finds_the_district_by_name_code_or_part(cell: Any, expected: int) -> None:
    rules = Rules(**{**RULES.__dict__, "default_district": WEIBIN})
    assert hotline.parse_district(cell, rules) == expected


def test_a_city_level_import_may_name_any_district() -> None:
    rules = Rules(**{**RULES.__dict__, "allowed_districts": None})
    assert hotline.parse_district("金台区", rules) == JINTAI


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("咨询", "consult"),
        ("求决", "help"),
        ("投诉类", "complaint"),
        ("检举", "report"),
        ("意见建议", "suggestion"),
        ("", "help"),
    ],
)
def test_it_reads_the_appeal_type_and_falls_back_to_the_default(cell: str, expected: str) -> None:
    assert hotline.parse_kind(cell, "help") == expected


def test_an_unmapped_district_uses_the_file_district() -> None:
    mapping = {k: v for k, v in MAPPING.items() if k != "district"}
    rules = Rules(**{**RULES.__dict__, "default_district": WEIBIN})
    checked = check_rows([(2, row(所在区县="金台区"))], HEADERS, mapping, rules, sheet="S")
    assert checked.problems == [] and checked.rows[0].district_id == WEIBIN


def test_a_bad_enterprise_code_is_reported_and_a_blank_one_is_fine() -> None:
    headers = [*HEADERS, "统一社会信用代码"]
    mapping = guess_mapping(headers)
    checked = check_rows(
        [(2, [*GOOD, ""]), (3, [*row(工单号="2"), "91610302MA6X0000X"])], headers, mapping, RULES, sheet="S"
    )
    (problem,) = checked.problems
    assert problem.row == 3 and problem.letter == "H" and "统一社会信用代码" in problem.message


def test_blank_rows_are_skipped_and_a_file_without_rows_is_refused() -> None:
    checked = check_rows([(2, ["", None, "  "])], HEADERS, MAPPING, RULES, sheet="S")
    assert checked.total_rows == 0
    assert [p.message for p in checked.problems] == ["文件只有表头，没有数据行"]


def test_a_file_over_the_row_limit_is_refused_as_a_whole() -> None:
    rows = [(n, row(工单号=str(n))) for n in range(2, 6)]
    checked = check_rows(rows, HEADERS, MAPPING, RULES, sheet="S", max_rows=3)
    assert any(p.row is None and "超过 3 行" in p.message for p in checked.problems)


def test_the_engine_limits_are_the_services_limits() -> None:
    assert hotline.TEXT_MAX_CHARS == services.TEXT_MAX_CHARS
    assert hotline.TITLE_MAX_CHARS == services.TITLE_MAX_CHARS
    assert hotline.PHONE_RE.pattern == services.PHONE_RE.pattern
