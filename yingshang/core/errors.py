"""The one base class of errors a person reads: a Chinese message, and where the problem is.

Every error whose text reaches a page, a command line or an API answer subclasses `UserError`
(`EntitlementRefused`, `PackRejected`, `CalendarError`, `RuleSyntaxError`, `NotificationRefused` …),
so a view or a command can catch `UserError` and show `str(error)`: the place first, then the message,
e.g. "企业名录.xlsx 第 3 行“注册资本”列：数值过大，请核对单位".

Plain Python, no Django import: the pure engines (`policies/rules/`, `workdays/engine.py`,
`entitlements/workflow.py`) raise it too.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Place", "UserError"]


@dataclass(frozen=True)
class Place:
    """Where in an input something is wrong. Every part is optional; `describe()` joins the known ones:
    "名录.xlsx 第 3 行“金额”列", "第 12 行", "“兑付金额”"."""

    file: str = ""
    row: int | None = None  # as the user sees it (a spreadsheet's header is row 1)
    column: str = ""  # a spreadsheet column's header, or a form field's label
    line: int | None = None  # a line of a text file (a pack, a pasted notice)

    def describe(self) -> str:
        text = self.file
        if self.row is not None:
            text += f" 第 {self.row} 行"
        if self.line is not None:
            text += f" 第 {self.line} 行"
        if self.column:
            text += f"“{self.column}”" + ("列" if self.row is not None or self.file else "")
        return text.strip()


class UserError(Exception):
    """An error for a person: `message` is Chinese and says what is wrong and, where it helps, what to
    do; `place` says where (file, row, column or field, line). `str()` gives both."""

    def __init__(
        self,
        message: str,
        *,
        file: str = "",
        row: int | None = None,
        column: str = "",
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.place = Place(file=file, row=row, column=column, line=line)

    def __str__(self) -> str:
        where = self.place.describe()
        return f"{where}：{self.message}" if where else self.message
