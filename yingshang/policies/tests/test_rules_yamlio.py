"""Reading pack YAML: a syntax error is told in Chinese on the line the author has to look at (where an
unclosed bracket or quote opened, not where the parser gave up), and an unknown one is quoted."""

from __future__ import annotations

import pytest
import yaml

from yingshang.policies.rules.errors import RuleSyntaxError
from yingshang.policies.rules.pack import load_pack
from yingshang.policies.rules.yamlio import load_yaml, syntax_problem


def problem_of(text: str) -> tuple[int | None, str]:
    with pytest.raises(RuleSyntaxError) as caught:
        load_yaml(text)
    return caught.value.line, caught.value.message


def test_an_unclosed_flow_mapping_is_reported_where_it_opened_not_lines_later() -> None:
    lines = ["a: 1"] * 297 + ["b: {x: 1, y: 2", "c: 3", "d: 4", "e: 5"]
    line, message = problem_of("\n".join(lines) + "\n")
    assert line == 298
    assert message.startswith("YAML 格式错误：花括号 { 没有闭合，到第 299 行仍未找到对应的 }")


def test_the_pack_loader_names_the_file_and_the_opening_line() -> None:
    text = "id: p\ntitle: t\npolicies:\n  - {id: x, title: 政策\n  - id: y\n"
    pack, errors = load_pack(text, "坏包.yaml")
    assert pack is None
    assert str(errors[0]).startswith("坏包.yaml 第4行：YAML 格式错误：花括号 { 没有闭合")


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("a: [1, 2\nc: 3\n", 1, "方括号 [ 没有闭合，到第 2 行仍未找到对应的 ]"),
        ('a: 1\nb: "abc\nc: 2\n', 2, "引号没有闭合"),
        ("a: 1\nb\nc: 2\n", 2, "这一行缺少冒号"),
        ("a: b: c\n", 1, "此处不能出现“键: 值”"),
        ("a:\n\tb: 1\n", 2, "不能用制表符（Tab）"),
        ("a: @x\n", 1, "字符“@”不能作为一段内容的开头，请给这段文字加上引号"),
        ("a:\n  b: 1\n c: 2\n", 3, "缩进与上文不一致：这一行没有和同级的“键: 值”对齐"),
        ("- a\nb: 1\n", 2, "没有和同级的列表项“- ”对齐"),
        ("a: *x\n", 1, "没有对应的锚点"),
        ('a: "\\q"\n', 1, "无法识别的转义"),
    ],
)
def test_common_syntax_errors_are_said_in_chinese_on_the_right_line(
    text: str, line: int, fragment: str
) -> None:
    found_line, message = problem_of(text)
    assert (found_line, fragment in message) == (line, True), message


def test_an_unknown_message_is_quoted_as_pyyaml_said_it() -> None:
    error = yaml.MarkedYAMLError(
        problem="something new happened", problem_mark=yaml.Mark("x", 0, 4, 0, "", 0)
    )
    assert syntax_problem(error, "a\n") == (5, "“something new happened”")


def test_the_pure_python_parser_is_translated_too() -> None:
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        yaml.load("a: 1\nb: {x: 1\nc: 2\n", Loader=yaml.SafeLoader)
    line, message = syntax_problem(caught.value, "")
    assert (line, message.startswith("花括号 { 没有闭合")) == (2, True), message
