"""The one base class of user-facing errors: the message, the place, and the classes built on it."""

from __future__ import annotations

import ast
import pathlib

import pytest

from yingshang.core.errors import Place, UserError
from yingshang.entitlements.services import EntitlementRefused
from yingshang.entitlements.workflow import TransitionRefused
from yingshang.env import ConfigurationError
from yingshang.notifications.gateways import GatewayError
from yingshang.notifications.services import NotificationRefused
from yingshang.policies.offline import ProfileFileError
from yingshang.policies.rules.batch import BatchInputError
from yingshang.policies.rules.errors import RuleError, RuleSyntaxError
from yingshang.policies.rules.profile import ProfileError
from yingshang.policies.services import PackRejected
from yingshang.portal.access import CodeSessionEnded
from yingshang.portal.codes import CodeRefused
from yingshang.workdays.engine import CalendarError, CalendarUnknownYear
from yingshang.workdays.services import ArrangementRejected


@pytest.mark.parametrize(
    ("place", "text"),
    [
        (Place(), ""),
        (Place(file="名录.xlsx"), "名录.xlsx"),
        (Place(file="名录.xlsx", row=3), "名录.xlsx 第 3 行"),
        (Place(file="名录.xlsx", row=3, column="注册资本"), "名录.xlsx 第 3 行“注册资本”列"),
        (Place(row=3, column="金额"), "第 3 行“金额”列"),
        (Place(line=12), "第 12 行"),
        (Place(file="xx18.yaml", line=12), "xx18.yaml 第 12 行"),
        (Place(column="兑付金额"), "“兑付金额”"),
    ],
)
def test_a_place_reads_as_chinese_from_the_parts_it_has(place, text):
    assert place.describe() == text


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (UserError("金额不能为负数"), "金额不能为负数"),
        (
            UserError("数值过大", file="名录.xlsx", row=3, column="注册资本"),
            "名录.xlsx 第 3 行“注册资本”列：数值过大",
        ),
        (UserError("缩进不一致", line=7), "第 7 行：缩进不一致"),
        (UserError("请填写金额", column="兑付金额"), "“兑付金额”：请填写金额"),
    ],
)
def test_a_user_error_says_where_then_what(error, text):
    assert str(error) == text
    assert error.message == text.split("：")[-1]


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (EntitlementRefused("已兑付，不能重复兑付"), "已兑付，不能重复兑付"),
        (TransitionRefused("当前状态不能推送"), "当前状态不能推送"),
        (
            PackRejected(
                [
                    RuleError(
                        "x",
                        "未知字段",
                    )
                ]
            ),
            "未知字段",
        ),
        (CalendarError("日期有误"), "日期有误"),
        (
            CalendarUnknownYear(2099),
            "2099年节假日安排尚未录入，无法计算工作日；请营商办管理员在“工作日历”中录入国务院办公厅公布的安排",
        ),
        (ArrangementRejected(["第1行：日期不存在"]), "节假日安排有误，未保存：第1行：日期不存在"),
        (RuleSyntaxError("money.unit", "金额缺少单位", line=4), "金额缺少单位"),
        (ProfileError([RuleError("x", "不是整数")]), "不是整数"),
        (BatchInputError("企业数据快照缺少列：名称"), "企业数据快照缺少列：名称"),
        (ProfileFileError("找不到文件“a.csv”"), "找不到文件“a.csv”"),
        (NotificationRefused("站内消息不能退订"), "站内消息不能退订"),
        (GatewayError("无法连接短信平台"), "无法连接短信平台"),
        (CodeRefused("企业码已失效"), "企业码已失效"),
        (CodeSessionEnded("企业码已重新发放"), "企业码已重新发放"),
        (
            ConfigurationError("YINGSHANG_ENV 只能是 development 或 production"),
            "YINGSHANG_ENV 只能是 development 或 production",
        ),
    ],
)
def test_every_user_facing_error_is_a_user_error_with_its_message(error, text):
    assert isinstance(error, UserError)
    assert str(error) == text
    assert error.message == text


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (RuleSyntaxError("c", "m"), ValueError),
        (ProfileError([]), ValueError),
        (BatchInputError("m"), ValueError),
        (ConfigurationError("m"), RuntimeError),
        (EntitlementRefused("m"), TransitionRefused),
    ],
)
def test_the_classes_keep_what_they_were_caught_as_before(error, kind):
    assert isinstance(error, kind)


def test_the_kept_attributes_are_still_there():
    assert GatewayError("无法连接").reason == "无法连接"
    assert RuleSyntaxError("money.unit", "缺少单位", line=4).line == 4
    assert PackRejected([RuleError("x", "m")]).errors[0].message == "m"


def test_the_errors_module_imports_no_django():
    """The pure engines raise it; it must not pull Django in."""
    source = pathlib.Path(__file__).parents[1].joinpath("errors.py").read_text(encoding="utf-8")
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
    }
    assert "django" not in imported
