"""The 工作日历 pages: who may see and manage them, the calculator, entering and confirming a year."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from yingshang.workdays.models import HolidayEntry, HolidayYear
from yingshang.workdays.services import confirm_year, get_calendar, save_arrangement
from yingshang.workdays.testing import LINES_2027, NOTICE_2027, d, fictional_2027_entries

pytestmark = pytest.mark.django_db

CALENDAR = reverse("workdays:calendar")
NEW = reverse("workdays:arrangement_new")
TITLE = "国务院办公厅关于2027年部分节假日安排的通知（测试用虚构样例）"


def body(response) -> str:
    return response.content.decode()


def day_cell(html: str, day: str) -> str:
    match = re.search(rf'<td class="wd-day wd-(\w+)"[^>]*data-date="{day}"', html)
    assert match, f"no cell for {day}"
    return match[1]


def post_year(client, text: str, year: int = 2027, **fields: str):
    data = {"year": str(year), "notice_title": TITLE, "notice_number": "", "published_on": "", "text": text}
    data.update(fields)
    return client.post(NEW, data)


@pytest.mark.parametrize("who", ["admin", "clerk", "inspector"])
def test_staff_see_the_calendar_of_2026_with_its_makeup_days_highlighted(world, who):
    response = world.client_for(getattr(world, who)).get(CALENDAR, {"year": "2026"})
    html = body(response)
    assert response.status_code == 200
    assert day_cell(html, "2026-10-10") == "makeup"
    assert day_cell(html, "2026-10-01") == "holiday"
    assert day_cell(html, "2026-10-11") == "rest"
    assert day_cell(html, "2026-10-12") == "workday"
    assert get_calendar().version in html


@pytest.mark.parametrize("who", ["owner", "other_owner", "nobody"])
def test_the_calendar_is_refused_to_enterprise_users_and_users_without_a_role(world, who):
    response = world.client_for(getattr(world, who)).get(CALENDAR)
    assert response.status_code == 403
    assert "无权" in body(response)


def test_an_anonymous_visitor_is_sent_to_the_login_page(world):
    for url in (CALENDAR, NEW):
        response = world.client_for(None).get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["clerk", "other_clerk", "inspector", "owner", "nobody"])
def test_only_the_office_admin_may_enter_or_confirm_a_year(world, who):
    client = world.client_for(getattr(world, who))
    save_arrangement(2027, fictional_2027_entries(), notice_title=TITLE)
    assert client.get(NEW).status_code == 403
    assert post_year(client, LINES_2027).status_code == 403
    assert client.post(reverse("workdays:arrangement_confirm", args=[2027])).status_code == 403
    assert client.post(reverse("workdays:arrangement_delete", args=[2027])).status_code == 403
    assert not HolidayYear.objects.get(year=2027).is_confirmed


@pytest.mark.parametrize("who", ["weibin_admin", "jintai_admin"])
def test_the_calendar_is_the_citys_a_district_admin_may_not_enter_confirm_or_delete_a_year(world, who):
    """Leak: a district's 营商办 admin changed the working-day calendar of the whole city."""
    client = world.client_for(getattr(world, who))
    save_arrangement(2027, fictional_2027_entries(), notice_title=TITLE)
    refused = client.get(NEW)
    assert refused.status_code == 403 and "全市层面的功能" in refused.content.decode()
    assert post_year(client, LINES_2027).status_code == 403
    assert client.post(reverse("workdays:arrangement_confirm", args=[2027])).status_code == 403
    assert client.post(reverse("workdays:arrangement_delete", args=[2027])).status_code == 403
    assert HolidayYear.objects.get(year=2027).is_confirmed is False
    assert "录入2027年节假日安排" not in body(client.get(CALENDAR, {"year": "2027"}))


def test_a_clerk_sees_no_entry_links(world):
    html = body(world.client_for(world.clerk).get(CALENDAR, {"year": "2027"}))
    assert "2027年节假日安排尚未录入" in html
    assert NEW not in html


@pytest.mark.parametrize(
    ("params", "answer"),
    [
        ({"op": "add", "start": "2026-09-30", "n": "3"}, "2026-10-10"),
        ({"op": "add", "start": "2026-10-01", "n": "0"}, "2026-10-08"),
        ({"op": "between", "start": "2026-09-28", "end": "2026-10-12"}, "6"),
    ],
)
def test_the_calculator_answers_in_place_with_htmx(world, params, answer):
    response = world.client_for(world.clerk).get(CALENDAR, params, headers={"HX-Request": "true"})
    html = body(response)
    assert response.status_code == 200
    assert '<div id="calc-result"' in html and "<html" not in html
    assert f'<p class="wd-answer">{answer}</p>' in html
    assert get_calendar().version in html


def test_the_calculator_works_without_javascript_too(world):
    html = body(world.client_for(world.clerk).get(CALENDAR, {"op": "add", "start": "2026-09-30", "n": "3"}))
    assert '<p class="wd-answer">2026-10-10</p>' in html and "<html" in html


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"op": "add", "start": "2026-12-31", "n": "1"}, "2027年节假日安排尚未录入"),
        ({"op": "add", "start": "2026-09-30"}, "请填写要加上的工作日数"),
        ({"op": "add", "start": "2026-09-30", "n": "-1"}, "工作日数"),
        ({"op": "between", "start": "2026-09-28"}, "请填写结束日期"),
        ({"op": "add", "start": "not-a-date", "n": "1"}, "起始日期"),
    ],
)
def test_the_calculator_explains_what_it_cannot_answer(world, params, fragment):
    html = body(world.client_for(world.clerk).get(CALENDAR, params, headers={"HX-Request": "true"}))
    assert fragment in html
    assert "wd-answer" not in html


def test_the_admin_enters_2027_from_the_notice_text_checks_the_draft_and_confirms_it(world):
    client = world.client_for(world.admin)
    response = post_year(client, NOTICE_2027, notice_number="国办发明电〔2026〕××号")
    assert response.status_code == 302
    holiday_year = HolidayYear.objects.get(year=2027)
    assert not holiday_year.is_confirmed and holiday_year.entered_by == world.admin
    assert holiday_year.entries.count() == len(fictional_2027_entries())

    draft_page = body(client.get(CALENDAR, {"year": "2027"}))
    assert "草稿" in draft_page and "确认启用" in draft_page
    assert day_cell(draft_page, "2027-01-31") == "makeup"
    with pytest.raises(Exception, match="尚未确认启用"):
        get_calendar().is_workday(d("2027-01-31"))

    confirmed = client.post(reverse("workdays:arrangement_confirm", args=[2027]), follow=True)
    assert "已确认启用（第1版）" in body(confirmed)
    assert get_calendar().add_workdays(d("2026-12-31"), 1) == d("2027-01-04")
    assert get_calendar().version.endswith("+ 2027:v1")
    assert HolidayYear.objects.get(year=2027).confirmed_by == world.admin


def test_an_arrangement_with_bad_lines_lists_every_problem_with_its_line_and_saves_nothing(world):
    text = (
        "2027-02-05~2027-02-13,放假,春节\n2027-02-10,上班,春节\n2027-02-30,放假,春节\n2027-06-09,休假,端午节"
    )
    response = post_year(world.client_for(world.admin), text)
    html = body(response)
    assert response.status_code == 200
    assert "第2行：2027-02-10 既列为放假（第1行）又列为上班，自相矛盾" in html
    assert "第2行：2027-02-10（周三）本来就是工作日" in html
    assert "第3行：日期“2027-02-30”无效" in html
    assert "第4行：类型“休假”无法识别" in html
    assert "未保存任何内容" in html
    assert not HolidayYear.objects.exists() and not HolidayEntry.objects.exists()


def test_a_shipped_year_cannot_be_entered_from_the_page(world):
    response = post_year(world.client_for(world.admin), "2026-10-08,放假,国庆节", year=2026)
    assert "2026年的节假日安排已内置" in body(response)
    assert not HolidayYear.objects.exists()


def test_correcting_a_confirmed_year_prefills_its_dates_and_sends_it_back_to_draft(world):
    confirm_year(save_arrangement(2027, fictional_2027_entries(), notice_title=TITLE))
    client = world.client_for(world.admin)
    edit = reverse("workdays:arrangement_edit", args=[2027])
    form_html = body(client.get(edit))
    assert "2027-02-05~2027-02-13,放假,春节" in form_html
    corrected = LINES_2027.replace("2027-10-09,上班,国庆节\n", "")
    response = client.post(edit, {"notice_title": TITLE, "text": corrected})
    assert response.status_code == 302
    holiday_year = HolidayYear.objects.get(year=2027)
    assert not holiday_year.is_confirmed and holiday_year.revision == 1
    page = body(client.get(CALENDAR, {"year": "2027"}))
    assert "删除草稿" not in page  # a year once in force is corrected, never deleted
    assert "2027-10-09" in page and "删除" in page  # the audit trail shows the removed makeup day


def test_a_draft_can_be_thrown_away(world):
    save_arrangement(2027, fictional_2027_entries(), notice_title=TITLE)
    response = world.client_for(world.admin).post(
        reverse("workdays:arrangement_delete", args=[2027]), follow=True
    )
    assert "2027年的草稿已删除" in body(response)
    assert not HolidayYear.objects.exists()


def test_the_admin_is_offered_the_next_year_to_enter(world):
    html = body(world.client_for(world.admin).get(CALENDAR))
    assert f"{NEW}?year=2027" in html


def test_saving_the_form_untouched_keeps_its_publication_date(world):
    """The date picker shows the stored date (ISO), so a save without edits does not erase it."""
    confirm_year(save_arrangement(2027, fictional_2027_entries(), notice_title=TITLE))
    HolidayYear.objects.filter(year=2027).update(published_on=d("2026-11-04"))
    client = world.client_for(world.admin)
    edit = reverse("workdays:arrangement_edit", args=[2027])
    form_html = body(client.get(edit))
    shown = re.search(r'name="published_on"[^>]*value="([^"]*)"', form_html)
    assert shown and shown[1] == "2026-11-04"
    client.post(edit, {"notice_title": TITLE, "text": LINES_2027, "published_on": shown[1]})
    assert HolidayYear.objects.get(year=2027).published_on == d("2026-11-04")


def test_lines_left_out_for_having_no_date_are_named_after_saving(world):
    text = "国务院办公厅关于2027年部分节假日安排的通知\n" + LINES_2027
    client = world.client_for(world.admin)
    response = post_year(client, text)
    assert response.status_code == 302
    page = body(client.get(response["Location"]))
    assert "以下 1 行没有日期，未作为安排读入：第1行“国务院办公厅关于2027年部分节假日安排的通知”" in page
