"""Reading pack YAML so that errors can name their line, duplicate keys are caught, and decimals
stay exact.

PyYAML's safe loader, with three changes: mappings and lists remember the line of every entry
(`LineDict.lines`, `LineList.lines`, 1-based); a key written twice in one mapping is an error
instead of the last one silently winning; and YAML floats become Decimal read from their source text,
so "5.5" stays 5.5 and "0.30000000000000004" is visibly not 0.3.
"""

from __future__ import annotations

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


def load_yaml(text: str) -> Any:
    """Parse YAML text; syntax problems come back as RuleSyntaxError with a Chinese message and line."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise RuleSyntaxError("yaml.syntax", f"YAML 格式错误：{exc.problem or exc}", line) from None
    except yaml.YAMLError as exc:
        raise RuleSyntaxError("yaml.syntax", f"YAML 格式错误：{exc}") from None
