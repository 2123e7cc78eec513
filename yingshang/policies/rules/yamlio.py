"""Reading pack YAML so that errors can name their line, duplicate keys are caught, and decimals
stay exact.

PyYAML's safe loader, with three changes: mappings and lists remember the line of every entry
(`LineDict.lines`, `LineList.lines`, 1-based); a key written twice in one mapping is an error
instead of the last one silently winning; and YAML floats become Decimal read from their source text,
so "5.5" stays 5.5 and "0.30000000000000004" is visibly not 0.3.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from yingshang.policies.rules.errors import RuleSyntaxError


class LineDict(dict):
    line: int | None = None
    lines: dict[Any, int]

    def line_of(self, key: Any) -> int | None:
        return getattr(self, "lines", {}).get(key, self.line)


class LineList(list):
    line: int | None = None
    lines: list[int]

    def line_of(self, index: int) -> int | None:
        lines = getattr(self, "lines", [])  # lists built in code rather than read carry no lines
        return lines[index] if index < len(lines) else self.line


def line_of(container: object, key: Any = None) -> int | None:
    if isinstance(container, LineDict | LineList):
        return container.line if key is None else container.line_of(key)
    return None


# libyaml's parser when PyYAML was built with it (ten times faster on a large pack).
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc,valid-type]
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            raise RuleSyntaxError("yaml.key", "键必须是文字", line) from None
        if key in result:
            raise RuleSyntaxError(
                "yaml.duplicate_key",
                f"键“{key}”在同一处写了两次（第{result.lines[key]}行和第{line}行）",
                line,
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = line
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_decimal(loader: _Loader, node: yaml.ScalarNode) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise RuleSyntaxError("yaml.number", f"数字“{text}”无法识别", node.start_mark.line + 1) from None
    if not number.is_finite():
        raise RuleSyntaxError("yaml.number", f"数字“{text}”不是有限数", node.start_mark.line + 1)
    return number


def _construct_date(loader: _Loader, node: yaml.ScalarNode) -> object:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        text = loader.construct_scalar(node)
        raise RuleSyntaxError("date.invalid", f"日期“{text}”不存在", node.start_mark.line + 1) from None


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date)


def _char_at(text: str, mark: Any) -> str:
    lines = text.splitlines()
    if mark is None or mark.line >= len(lines) or mark.column >= len(lines[mark.line]):
        return ""
    return lines[mark.line][mark.column]


def syntax_problem(exc: yaml.MarkedYAMLError, text: str) -> tuple[int | None, str]:
    """(line, Chinese message) for a PyYAML syntax error. The line is where the author has to look:
    for an unclosed bracket or quote, or a key without its colon, that is where it *opened* (PyYAML's
    context mark), not where the parser gave up, often lines later; otherwise the problem mark.
    A message we do not know is quoted as PyYAML said it."""
    problem, context = exc.problem or "", exc.context or ""
    problem_line = exc.problem_mark.line + 1 if exc.problem_mark else None
    context_line = exc.context_mark.line + 1 if exc.context_mark else None
    until = (
        f"，到第 {problem_line} 行仍未找到" if problem_line and problem_line != context_line else "，未找到"
    )
    if re.search(r"expected ',' or '\}'", problem):
        return context_line or problem_line, f"花括号 {{ 没有闭合{until}对应的 }}（或元素之间的逗号）"
    if re.search(r"expected ',' or '\]'", problem):
        return context_line or problem_line, f"方括号 [ 没有闭合{until}对应的 ]（或元素之间的逗号）"
    if "end of stream" in problem and "quoted scalar" in context:
        return (
            context_line or problem_line,
            "引号没有闭合：从这一行开始的引号直到文件末尾都没有对应的结束引号",
        )
    if "could not find expected ':'" in problem:
        return context_line or problem_line, "这一行缺少冒号，应写成“键: 值”（冒号后加一个空格）"
    if "mapping values are not allowed" in problem:
        return problem_line, "此处不能出现“键: 值”：值里含有“: ”时请给整段文字加引号，或检查缩进"
    if "cannot start any token" in problem:
        char = _char_at(text, exc.problem_mark)
        if char == "\t":
            return problem_line, "不能用制表符（Tab）缩进或分隔，请改用空格"
        shown = f"字符“{char}”" if char.strip() else "此处的字符"
        return problem_line, f"{shown}不能作为一段内容的开头，请给这段文字加上引号"
    if "did not find expected key" in problem or "expected <block end>" in problem:
        return problem_line, "缩进与上文不一致：这一行没有和同级的“键: 值”对齐"
    if "expected '-' indicator" in problem:
        return problem_line, "缩进与上文不一致：这一行没有和同级的列表项“- ”对齐"
    if "undefined alias" in problem:
        return (
            problem_line,
            "“*”开头的内容被当作引用，但没有对应的锚点；如果 * 是文字的一部分，请给这段文字加上引号",
        )
    if "unknown escape character" in problem:
        return problem_line, "双引号中有无法识别的转义（反斜杠 \\ 后的字符）；需要反斜杠时请改用单引号"
    if "found a tab character" in problem:
        return problem_line, "不能用制表符（Tab）缩进或分隔，请改用空格"
    return problem_line or context_line, f"“{problem or exc}”"


def load_yaml(text: str) -> Any:
    """Parse YAML text; syntax problems come back as RuleSyntaxError with a Chinese message and line."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        line, message = syntax_problem(exc, text)
        raise RuleSyntaxError("yaml.syntax", f"YAML 格式错误：{message}", line) from None
    except yaml.YAMLError as exc:
        raise RuleSyntaxError("yaml.syntax", f"YAML 格式错误：“{exc}”") from None
