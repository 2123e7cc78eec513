"""Reading a year's holiday arrangement from text an administrator pastes (plain Python, no Django).

Two kinds of line are understood, and may be mixed:

* table lines ``日期[~日期],放假|上班,名称`` — e.g. ``2027-02-14,上班,春节`` or
  ``2027-02-06~2027-02-13,放假,春节`` (commas may be full-width, tabs or spaces; ``至`` also works);
* the sentences of the State Council notice, one festival a line — e.g.
  ``二、春节：2月6日（周六）至13日（周六）放假调休，共8天。2月14日（周日）、2月20日（周六）上班。``
  or ``春节 2027-02-06 至 2027-02-13 放假；2027-02-14（周日）上班``. A weekday written in brackets
  and a "共N天" are checked against the dates, which catches most typing slips.

Lines with no date in them (the notice's preamble, blank lines, ``#`` comments) and the notice's
date of issue are skipped and counted; any line with a date that cannot be read is a problem, with
its line number.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from yingshang.workdays.engine import ArrangementEntry, EntryKind, weekday_name

KIND_WORDS = {
    "放假": EntryKind.HOLIDAY,
    "休": EntryKind.HOLIDAY,
    "休息": EntryKind.HOLIDAY,
    "假": EntryKind.HOLIDAY,
    "holiday": EntryKind.HOLIDAY,
    "上班": EntryKind.WORKDAY,
    "班": EntryKind.WORKDAY,
    "补班": EntryKind.WORKDAY,
    "调休上班": EntryKind.WORKDAY,
    "workday": EntryKind.WORKDAY,
}

# A range longer than this is a typing slip (the longest real holiday period was under two weeks).
MAX_RANGE_DAYS = 31

_ISO = r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"
_RANGE_MARK = r"(?:~|至|到|—|–)"
_TABLE_LINE = re.compile(
    rf"^(?P<start>{_ISO})(?:\s*{_RANGE_MARK}\s*(?P<end>{_ISO}))?(?P<rest>(?:[\s,\t].*)?)$"
)
_SENTENCE_LINE = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.]\s*|\d+[、.]\s*)?(?P<name>[^\d:,;。\s]+?)\s*[:\s]\s*(?P<body>.*\d.*)$"
)
# A date in a sentence: ISO, or 月日 with the month optional (then it is the previous date's month),
# followed by an optional bracket such as （周日） or （农历正月初七、周一）.
_MENTION = re.compile(
    rf"(?:(?P<iso>{_ISO})|(?:(?P<month>\d{{1,2}})月)?(?P<day>\d{{1,2}})日)(?:\s*\((?P<note>[^)]*)\))?"
)
_WEEKDAY_NOTE = re.compile(r"(?:周|星期)([一二三四五六日天])")
_DAYS_TOTAL = re.compile(r"共\s*(\d+)\s*天")
_HAS_DATE = re.compile(rf"{_ISO}|\d{{1,2}}日")
# The notice's own date of issue at its foot ("2026年11月4日") is not an entry.
_DATE_OF_ISSUE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
# A festival's line (as the notice numbers them) that says 放假 or 上班 is an entry: without a readable
# date it is a problem, never preamble to skip.
_FESTIVAL_LINE = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.]\s*)?(?:元旦|春节|清明|劳动节|五一|端午|中秋|国庆).*(?:放假|上班|调休)"
)


@dataclass
class ParsedText:
    entries: list[ArrangementEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped_lines: int = 0
    # The lines with words but no date that were left out (the notice's preamble, its date of issue),
    # as "第N行“…”", so the page can say which.
    skipped: list[str] = field(default_factory=list)


class _LineError(Exception):
    pass


def parse_arrangement(text: str, year: int) -> ParsedText:
    """The entries written in ``text`` for ``year``, and what could not be read (by line number)."""
    result = ParsedText()
    for number, raw in enumerate(text.splitlines(), start=1):
        # NFKC turns full-width brackets, colons, commas and digits into their ASCII forms.
        line = unicodedata.normalize("NFKC", raw).strip()
        if not line or line.startswith("#"):
            result.skipped_lines += 1
            continue
        if not _HAS_DATE.search(line) and _FESTIVAL_LINE.match(line):
            result.problems.append(
                f"第{number}行：写了放假或上班，但没有能识别的日期"
                f"（应写作 2月6日 或 2027-02-06）：“{_short(raw.strip())}”"
            )
            continue
        if not _HAS_DATE.search(line) or _DATE_OF_ISSUE.match(line):
            result.skipped_lines += 1
            result.skipped.append(f"第{number}行“{_short(raw.strip())}”")
            continue
        try:
            result.entries.extend(_parse_line(line, number, year))
        except _LineError as error:
            result.problems.append(f"第{number}行：{error}")
    return result


def _short(line: str, limit: int = 30) -> str:
    return line if len(line) <= limit else line[:limit] + "…"


def _parse_line(line: str, number: int, year: int) -> list[ArrangementEntry]:
    table = _TABLE_LINE.match(line)
    if table:
        return _parse_table_line(table, number)
    sentence = _SENTENCE_LINE.match(line)
    if sentence:
        return _parse_sentences(sentence["name"], sentence["body"], number, year)
    raise _LineError(
        f"无法识别“{line}”；应为“日期,放假/上班,名称”（如 2027-02-14,上班,春节）或通知原文的一条"
    )


def _parse_table_line(match: re.Match[str], number: int) -> list[ArrangementEntry]:
    start = _iso_date(match["start"])
    end = _iso_date(match["end"]) if match["end"] else start
    parts = re.split(r"[\s,\t]+", match["rest"].strip(" ,\t"), maxsplit=1)
    word = parts[0] if parts and parts[0] else ""
    name = parts[1].strip() if len(parts) > 1 else ""
    if not word:
        raise _LineError("缺少类型，应写“放假”或“上班”，如 2027-02-14,上班,春节")
    kind = KIND_WORDS.get(word.lower())
    if kind is None:
        raise _LineError(f"类型“{word}”无法识别，应为“放假”或“上班”")
    return [ArrangementEntry(day, kind.value, name, number) for day in _days(start, end)]


def _parse_sentences(name: str, body: str, number: int, year: int) -> list[ArrangementEntry]:
    entries: list[ArrangementEntry] = []
    for sentence in re.split(r"[。;]", body):
        if not _HAS_DATE.search(sentence):
            continue
        days = _mentions(sentence, year)
        if "放假" in sentence or "休息" in sentence:
            holidays = _holiday_days(sentence, days)
            entries += [ArrangementEntry(d, EntryKind.HOLIDAY.value, name, number) for d in holidays]
        elif "上班" in sentence:
            entries += [ArrangementEntry(d, EntryKind.WORKDAY.value, name, number) for d, _ in days]
        else:
            raise _LineError(f"“{sentence.strip()}”没有写明是放假还是上班")
    return entries


def _mentions(sentence: str, year: int) -> list[tuple[dt.date, int]]:
    """The dates of a sentence with their positions, month carried over from the previous date."""
    found: list[tuple[dt.date, int]] = []
    month: int | None = None
    current_year = year
    for match in _MENTION.finditer(sentence):
        if match["iso"]:
            day = _iso_date(match["iso"])
            current_year, month = day.year, day.month
        else:
            if match["month"]:
                new_month = int(match["month"])
                # 12月31日至1月2日: the second date is in the next year.
                if month is not None and new_month < month:
                    current_year += 1
                month = new_month
            if month is None:
                raise _LineError(f"“{match.group(0)}”缺少月份")
            day = _make_date(current_year, month, int(match["day"]), match.group(0))
        _check_weekday_note(day, match["note"], match.group(0))
        found.append((day, match.end()))
    return found


def _holiday_days(sentence: str, mentions: list[tuple[dt.date, int]]) -> list[dt.date]:
    if len(mentions) == 2 and re.search(_RANGE_MARK, sentence[mentions[0][1] :]):
        days = _days(mentions[0][0], mentions[1][0])
    elif len(mentions) > 2 and re.search(_RANGE_MARK, sentence):
        raise _LineError(f"“{sentence.strip()}”中的日期区间无法识别，一句只能写一个“起至”区间")
    else:
        days = [d for d, _ in mentions]
    total = _DAYS_TOTAL.search(sentence)
    if total and int(total[1]) != len(days):
        raise _LineError(
            f"写明“共{total[1]}天”，但{days[0].isoformat()}至{days[-1].isoformat()}是{len(days)}天"
        )
    return days


def _check_weekday_note(day: dt.date, note: str | None, text: str) -> None:
    marked = _WEEKDAY_NOTE.search(note or "")
    if not marked:
        return
    written = "周" + ("日" if marked[1] == "天" else marked[1])
    if written != weekday_name(day):
        raise _LineError(f"“{text}”标注为{written}，但{day.isoformat()}是{weekday_name(day)}")


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    if end < start:
        raise _LineError(f"区间起点 {start.isoformat()} 晚于终点 {end.isoformat()}")
    length = (end - start).days + 1
    if length > MAX_RANGE_DAYS:
        raise _LineError(
            f"区间 {start.isoformat()} 至 {end.isoformat()} 长达{length}天，超过{MAX_RANGE_DAYS}天"
        )
    return [start + dt.timedelta(days=i) for i in range(length)]


def _iso_date(text: str) -> dt.date:
    year, month, day = (int(part) for part in re.split(r"[-/.]", text))
    return _make_date(year, month, day, text)


def _make_date(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise _LineError(f"日期“{text}”无效") from None


def format_entries(entries: Iterable[ArrangementEntry]) -> str:
    """Entries as table lines, runs of consecutive days of one kind and name joined into a range; the
    text the entry form shows when a year is corrected, and which ``parse_arrangement`` reads back."""
    lines: list[str] = []
    run: list[ArrangementEntry] = []

    def flush() -> None:
        if not run:
            return
        first, last = run[0], run[-1]
        span = first.day.isoformat() if first is last else f"{first.day.isoformat()}~{last.day.isoformat()}"
        lines.append(f"{span},{EntryKind(first.kind).label},{first.name}")
        run.clear()

    for entry in sorted(entries, key=lambda e: (e.kind != EntryKind.HOLIDAY, e.day)):
        if run and (
            entry.kind != run[-1].kind
            or entry.name != run[-1].name
            or entry.day != run[-1].day + dt.timedelta(days=1)
        ):
            flush()
        run.append(entry)
    flush()
    return "\n".join(lines)
