"""Test helpers of the calendar: a made-up but plausible 2027 arrangement. It is NOT the official 2027
notice: the dates follow the 2027 lunar calendar and the usual pattern of recent notices, nothing more."""

from __future__ import annotations

import datetime as dt

from yingshang.workdays.engine import ArrangementEntry, YearArrangement
from yingshang.workdays.notice import parse_arrangement

NOTICE_2027 = """\
国务院办公厅关于2027年部分节假日安排的通知（测试用虚构样例）
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（周五）至13日（周六）放假调休，共9天。1月31日（周日）、2月20日（周六）上班。
三、清明节：4月3日（周六）至5日（周一）放假，共3天。
四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。4月25日（周日）、5月8日（周六）上班。
五、端午节：6月9日（周三）放假，共1天。
六、中秋节：9月15日（周三）放假，共1天。
七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
"""

# The same arrangement as table lines, the other format the entry form accepts.
LINES_2027 = """\
2027-01-01~2027-01-03,放假,元旦
2027-02-05~2027-02-13,放假,春节
2027-01-31,上班,春节
2027-02-20,上班,春节
2027-04-03~2027-04-05,放假,清明节
2027-05-01~2027-05-05,放假,劳动节
2027-04-25,上班,劳动节
2027-05-08,上班,劳动节
2027-06-09,放假,端午节
2027-09-15,放假,中秋节
2027-10-01~2027-10-07,放假,国庆节
2027-09-26,上班,国庆节
2027-10-09,上班,国庆节
"""


def fictional_2027_entries() -> tuple[ArrangementEntry, ...]:
    parsed = parse_arrangement(NOTICE_2027, 2027)
    assert not parsed.problems, parsed.problems
    return tuple(parsed.entries)


def fictional_2027(revision: int = 1) -> YearArrangement:
    return YearArrangement(2027, fictional_2027_entries(), revision=revision)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
