"""Rule errors: a Chinese message plus where it is (file, policy, item, condition, YAML line)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from yingshang.core.errors import UserError


@dataclass(frozen=True)
class Place:
    """Where in a pack something is. Every part is optional; `describe()` joins the known ones."""

    file: str = ""
    line: int | None = None
    policy: str = ""
    item: int | None = None  # 1-based position of the item in its policy
    item_title: str = ""
    section: str = ""  # e.g. "第3条条件", "金额", "测试用例“x”"

    def at_line(self, line: int | None) -> Place:
        return replace(self, line=line) if line is not None else self

    def within(self, section: str) -> Place:
        joined = f"{self.section}的{section}" if self.section else section
        return replace(self, section=joined)

    def describe(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(self.file + (f" 第{self.line}行" if self.line else ""))
        elif self.line:
            parts.append(f"第{self.line}行")
        if self.policy:
            parts.append(f"政策《{self.policy}》")
        if self.item is not None:
            parts.append(f"第{self.item}项" + (f"“{self.item_title}”" if self.item_title else ""))
        if self.section:
            parts.append(self.section)
        return "，".join(parts)


@dataclass(frozen=True)
class RuleError:
    """One problem found while reading a pack or a profile. `code` is stable for programs."""

    code: str
    message: str
    place: Place = Place()

    def __str__(self) -> str:
        where = self.place.describe()
        return f"{where}：{self.message}" if where else self.message


class RuleSyntaxError(UserError, ValueError):
    """Raised inside the parsers; the pack loader turns it into a RuleError with its place.

    `line` is kept apart from `UserError.place`: the loader adds the policy and the item it knows of,
    so `str()` is the message alone, as it was."""

    def __init__(self, code: str, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.line = line
