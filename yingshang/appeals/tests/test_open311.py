"""开放接口 (open311.py, open311_format.py): the Open311 GeoReport v2 endpoints in JSON and XML, the
specification's errors, idempotent submissions, our extensions only when asked, and no contact data in
any answer."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.urls import reverse

from yingshang.appeals import services
from yingshang.appeals.models import Appeal, Assist
from yingshang.appeals.testing import category, staff_of, submitted
from yingshang.conftest import World
from yingshang.core import clock
from yingshang.registry.models import ApiToken

pytestmark = pytest.mark.django_db

FORMATS = ("json", "xml")
REQUESTER_PHONE = "13512345678"
REQUESTER_NAME = "欧阳娜娜"


def url(name: str, fmt: str = "json", **kwargs: str) -> str:
    return reverse(f"open311:{name}", kwargs={"format": fmt, **kwargs})


def parsed(response: Any) -> Any:
    """The answer as plain data: JSON as it is; XML as the element tree (checked to be well formed)."""
    if response["Content-Type"].startswith("text/xml"):
        return ElementTree.fromstring(response.content)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def error_of(response: Any) -> tuple[int, str]:
    """(code, description) of the specification's error list, JSON or XML."""
    body = parsed(response)
    if isinstance(body, list):
        assert len(body) == 1 and set(body[0]) == {"code", "description"}
        return body[0]["code"], body[0]["description"]
    assert body.tag == "errors" and [e.tag for e in body] == ["error"]
    return int(body.findtext("error/code")), body.findtext("error/description")


@pytest.fixture
def key(world: World) -> str:
    """An API token of the 渭滨区 营商办 (a district's integration, e.g. its 12345 platform)."""
    return ApiToken.issue(world.weibin_admin, "12345 平台对接")[1]


@pytest.fixture
def market(world: World) -> Any:
    return category()


def post_data(key: str, **fields: str) -> dict[str, str]:
    data = {
        "api_key": key,
        "jurisdiction_id": "610302",  # 渭滨区
        "service_code": "market",
        "address_string": "经二路 12 号政务服务中心",
        "description": "三号窗口下午无人值守，排队两个小时",
        "first_name": "娜娜",
        "last_name": "欧阳",
        "phone": REQUESTER_PHONE,
        "email": "nana@example.com",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


# ==================================================================================================
# Discovery and services
# ==================================================================================================


def test_discovery_names_the_specification_the_endpoint_and_both_formats(world: World) -> None:
    body = parsed(Client().get(url("discovery")))
    [endpoint] = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert "jurisdictions" not in body
    xml = parsed(Client().get(url("discovery", "xml")))
    assert xml.tag == "discovery"
    assert [f.text for f in xml.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_discovery_with_extensions_lists_the_jurisdictions(world: World) -> None:
    body = parsed(Client().get(url("discovery"), {"extensions": "true"}))
    assert body["jurisdictions"] == [
        {"jurisdiction_id": "610302", "name": "渭滨区"},
        {"jurisdiction_id": "610303", "name": "金台区"},
    ]


def test_the_services_are_the_active_categories_and_the_general_one(world: World, market: Any) -> None:
    retired = category("old", "旧类别", "旧局")
    retired.is_active = False
    retired.save()
    body = parsed(Client().get(url("services")))
    assert [s["service_code"] for s in body] == ["market", "general"]
    assert body[0] == {
        "service_code": "market",
        "service_name": "市场监管",
        "description": "市场监管方面的诉求，由诉求所在区县的市场监管局承办",
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": "接诉即办",
    }
    xml = parsed(Client().get(url("services", "xml")))
    assert xml.tag == "services" and [s.findtext("service_code") for s in xml] == ["market", "general"]
    assert xml.findtext("service/metadata") == "true"


def test_a_service_definition_offers_the_appeal_types_as_a_list(world: World, market: Any) -> None:
    body = parsed(Client().get(url("service_definition", service_code="market")))
    kind, title = body["attributes"]
    assert body["service_code"] == "market"
    assert (kind["code"], kind["datatype"], kind["required"]) == ("kind", "singlevaluelist", False)
    assert [v["name"] for v in kind["values"]] == ["咨询", "求助", "投诉", "举报", "建议"]
    assert (title["code"], title["datatype"]) == ("title", "string")
    xml = parsed(Client().get(url("service_definition", "xml", service_code="market")))
    assert xml.tag == "service_definition"
    assert xml.findtext("attributes/attribute/values/value/key") == "consult"


# ==================================================================================================
# Errors, as the specification writes them
# ==================================================================================================


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"service_code": "potholes"}, 404, "service_code“potholes”不存在"),
        ({"service_code": ""}, 400, "缺少 service_code"),
        ({"address_string": ""}, 400, "缺少位置：请提供 lat 和 long"),
        ({"address_string": "", "lat": "34.36"}, 400, "long 应为 -180 到 180 之间的数"),
        ({"lat": "91", "long": "107.2"}, 400, "lat 应为 -90 到 90 之间的数"),
        ({"lat": "nan", "long": "107.2"}, 400, "lat 应为 -90 到 90 之间的数"),
        ({"jurisdiction_id": ""}, 400, "缺少 jurisdiction_id"),
        ({"jurisdiction_id": "999999"}, 400, "jurisdiction_id“999999”不是本平台的区县代码"),
        ({"api_key": ""}, 403, "缺少 api_key"),
        ({"api_key": "ys_not-a-token"}, 403, "api_key 无效、已吊销或已过期"),
        ({"description": "  "}, 400, "缺少 description"),
        ({"description": "长" * 5001}, 400, "超过 5,000 字的上限"),
        ({"phone": ""}, 400, "联系电话格式不正确"),
        ({"phone": "12345"}, 400, "联系电话格式不正确"),
        ({"attribute[kind]": "rant"}, 400, "attribute[kind] 只能是 consult（咨询）"),
    ],
)
def test_a_bad_submission_gets_the_specifications_error_and_writes_nothing(
    world: World, market: Any, key: str, fmt: str, fields: dict[str, str], status: int, message: str
) -> None:
    response = Client().post(url("requests", fmt), post_data(key, **fields))
    assert response.status_code == status
    code, description = error_of(response)
    assert code == status and message in description
    assert not Appeal.objects.exists()


def test_a_revoked_key_or_a_user_without_a_role_cannot_submit(world: World, market: Any) -> None:
    token, revoked = ApiToken.issue(world.weibin_admin, "旧令牌")
    token.revoked_at = clock.now()
    token.save()
    nobody = ApiToken.issue(world.nobody, "无角色")[1]
    for key, message in ((revoked, "api_key 无效"), (nobody, "尚未分配角色")):
        response = Client().post(url("requests"), post_data(key))
        assert response.status_code == 403 and message in error_of(response)[1]
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_twenty_megabyte_body_is_refused_before_it_is_read(
    world: World, market: Any, key: str, fmt: str
) -> None:
    response = Client().post(url("requests", fmt), post_data(key), CONTENT_LENGTH=str(20 * 1024 * 1024))
    assert response.status_code == 413
    code, description = error_of(response)
    assert code == 413 and description.startswith("请求内容过大：上限 5 MB")
    assert not Appeal.objects.exists()


@pytest.mark.parametrize(
    ("name", "kwargs", "params", "status", "message"),
    [
        ("service_definition", {"service_code": "potholes"}, {}, 404, "service_code“potholes”不存在"),
        ("requests", {}, {}, 400, "缺少 jurisdiction_id"),
        ("requests", {}, {"jurisdiction_id": "x"}, 400, "不是本平台的区县代码"),
        ("requests", {}, {"jurisdiction_id": "610302", "status": "pending"}, 400, "status 只能是"),
        ("requests", {}, {"jurisdiction_id": "610302", "start_date": "上周"}, 400, "不是 ISO 8601 时间"),
        ("requests", {}, {"jurisdiction_id": "610302", "service_code": "x"}, 404, "service_code“x”不存在"),
        ("requests", {}, {"jurisdiction_id": "610302", "page_size": "5000"}, 400, "page_size 应为 1 到"),
        (
            "requests",
            {},
            {"jurisdiction_id": "610302", "start_date": "2026-11-20", "end_date": "2026-11-01"},
            400,
            "end_date 早于 start_date",
        ),
        ("request_detail", {"service_request_id": "SQ0"}, {}, 404, "没有编号为“SQ0”的公开诉求"),
        ("token", {"token": "nope"}, {}, 404, "没有这个查询码"),
        ("services", {}, {"jurisdiction_id": "x"}, 400, "不是本平台的区县代码"),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_question_gets_the_specifications_error(
    world: World,
    market: Any,
    fmt: str,
    name: str,
    kwargs: dict[str, str],
    params: dict[str, str],
    status: int,
    message: str,
) -> None:
    response = Client().get(url(name, fmt, **kwargs), params)
    assert response.status_code == status
    code, description = error_of(response)
    assert code == status and message in description


def test_a_method_the_endpoint_does_not_take_is_a_405_error_list(world: World) -> None:
    response = Client().post(url("services", "xml"))
    assert response.status_code == 405 and response["Allow"] == "GET"
    assert error_of(response) == (405, "该地址不支持 POST 请求，可用：GET")
    assert Client().delete(url("requests")).status_code == 405


# ==================================================================================================
# Submitting
# ==================================================================================================


def test_a_client_with_a_key_submits_and_gets_the_number_and_the_token(
    world: World, market: Any, key: str
) -> None:
    # An API is not a form: no CSRF token, and a client that enforces the check still gets through.
    response = Client(enforce_csrf_checks=True).post(url("requests"), post_data(key))
    assert response.status_code == 201
    [answer] = parsed(response)
    appeal = Appeal.objects.get()
    assert answer["service_request_id"] == appeal.number and answer["token"] == appeal.token
    assert answer["account_id"] is None
    assert answer["service_notice"] == (
        f"诉求已受理，编号 {appeal.number}，办结期限 2026年11月27日。"
        f"办理进度和评价：http://testserver/appeals/t/{appeal.token}/"
    )
    assert (appeal.channel, appeal.kind, appeal.category, appeal.district) == (
        "api",
        "help",
        market,
        world.weibin,
    )
    assert (appeal.requester_name, appeal.requester_phone, appeal.anonymous) == (
        "欧阳娜娜",
        REQUESTER_PHONE,
        False,
    )
    assert appeal.place == "经二路 12 号政务服务中心" and appeal.created_by == world.weibin_admin
    assert appeal.state == "pending"  # the requester's category is a hint: the 营商办 still dispatches


def test_the_xml_answer_to_a_submission_is_a_service_requests_list(
    world: World, market: Any, key: str
) -> None:
    fields = {
        "attribute[kind]": "complaint",
        "attribute[title]": "窗口无人",
        "first_name": "",
        "last_name": "",
    }
    xml = parsed(Client().post(url("requests", "xml"), post_data(key, **fields)))
    appeal = Appeal.objects.get()
    assert xml.tag == "service_requests" and xml.findtext("request/service_request_id") == appeal.number
    assert xml.findtext("request/token") == appeal.token
    assert (appeal.kind, appeal.title, appeal.anonymous, appeal.requester_name) == (
        "complaint",
        "窗口无人",
        True,
        "",
    )


def test_a_general_request_and_an_enterprise_users_request(world: World) -> None:
    owner_key = ApiToken.issue(world.owner, "企业自有系统")[1]
    response = Client().post(url("requests"), post_data(owner_key, service_code="general"))
    appeal = Appeal.objects.get()
    assert response.status_code == 201 and appeal.category is None
    assert appeal.enterprise == world.acme  # the enterprise's own appeal, on its page too


def test_coordinates_are_kept_with_the_place_and_read_back(world: World, market: Any, key: str) -> None:
    data = post_data(key, address_string="", lat="34.3612", long="107.2371")
    Client().post(url("requests"), data)
    appeal = Appeal.objects.get()
    assert appeal.place == "（经纬度 34.361200,107.237100）"
    [shown] = parsed(Client().get(url("request_detail", service_request_id=appeal.number)))
    assert (shown["address"], shown["lat"], shown["long"]) == (None, 34.3612, 107.2371)
    Client().post(url("requests"), post_data(key, address_string="", address_id="A-17", phone="13500000001"))
    assert Appeal.objects.filter(place="地址编号 A-17").exists()


# ==================================================================================================
# Idempotency
# ==================================================================================================


def test_a_retry_with_the_same_idempotency_key_gets_the_same_answer_and_writes_nothing(
    world: World, market: Any, key: str
) -> None:
    first = Client().post(url("requests"), post_data(key), headers={"Idempotency-Key": "retry-1"})
    again = Client().post(url("requests"), post_data(key), headers={"Idempotency-Key": "retry-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert parsed(again) == parsed(first) and Appeal.objects.count() == 1
    assert "Idempotent-Replayed" not in first and again["Idempotent-Replayed"] == "true"
    # The key may also come as a parameter; another key is another submission.
    by_param = Client().post(url("requests"), post_data(key, idempotency_key="retry-1"))
    other = Client().post(url("requests"), post_data(key, idempotency_key="retry-2"))
    assert parsed(by_param) == parsed(first)
    assert parsed(other)[0]["service_request_id"] != parsed(first)[0]["service_request_id"]
    assert Appeal.objects.count() == 2


def test_two_clients_with_the_same_idempotency_key_each_get_their_own_appeal(
    world: World, market: Any, key: str
) -> None:
    other_key = ApiToken.issue(world.jintai_admin, "金台区平台")[1]
    Client().post(url("requests"), post_data(key), headers={"Idempotency-Key": "1"})
    Client().post(
        url("requests"), post_data(other_key, phone="13500000002"), headers={"Idempotency-Key": "1"}
    )
    assert Appeal.objects.count() == 2


def test_an_overlong_idempotency_key_is_refused(world: World, market: Any, key: str) -> None:
    response = Client().post(url("requests"), post_data(key), headers={"Idempotency-Key": "k" * 65})
    assert response.status_code == 400 and "Idempotency-Key 不能超过 64 个字符" in error_of(response)[1]
    assert not Appeal.objects.exists()


# ==================================================================================================
# Reading: the public list and one request
# ==================================================================================================


@pytest.fixture
def answered(world: World, market: Any) -> Appeal:
    """A 渭滨区 complaint dispatched to its 市场监管局, signed, answered and rated 满意."""
    appeal = submitted(world.weibin, requester_phone=REQUESTER_PHONE, requester_name=REQUESTER_NAME)
    appeal = services.dispatch_appeal(appeal, world.weibin_samr, by=world.weibin_admin, category=market)
    services.sign_appeal(appeal, by=world.clerk)
    services.reply_appeal(appeal, by=world.clerk, text="已增派窗口人员。")
    return services.rate_appeal(appeal, rating="satisfied")


def listed(params: dict[str, str], fmt: str = "json") -> Any:
    return parsed(Client().get(url("requests", fmt), {"jurisdiction_id": "610302", **params}))


def test_a_request_carries_the_core_fields_mapped_from_the_appeal(world: World, answered: Appeal) -> None:
    [shown] = listed({})
    assert shown == {
        "service_request_id": answered.number,
        "status": "closed",
        "status_notes": "已办结",
        "service_name": "市场监管",
        "service_code": "market",
        "description": answered.text,
        "agency_responsible": "渭滨区市场监管局",
        "service_notice": None,
        "requested_datetime": "2026-11-20T10:00:00+08:00",
        "updated_datetime": clock.local(answered.closed_at).isoformat(timespec="seconds"),
        "expected_datetime": "2026-12-04T23:59:59+08:00",  # 10 working days, to the end of that day
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def test_open_covers_every_state_before_the_end_and_merged_counts_as_closed(
    world: World, market: Any
) -> None:
    pending = submitted(world.weibin, requester_phone="13500000010")
    kept = submitted(world.weibin, requester_phone="13500000011")
    duplicate = submitted(world.weibin, requester_phone="13500000011")
    services.merge_appeal(duplicate, kept, by=world.weibin_admin)
    states = {r["service_request_id"]: (r["status"], r["status_notes"]) for r in listed({})}
    assert states == {
        pending.number: ("open", "待分拨"),
        kept.number: ("open", "待分拨"),
        duplicate.number: ("closed", f"已并入诉求 {kept.number}，一并答复"),
    }
    assert [r["service_request_id"] for r in listed({"status": "closed"})] == [duplicate.number]
    assert {r["service_request_id"] for r in listed({"status": "open"})} == {pending.number, kept.number}
    assert len(listed({"status": "open,closed"})) == 3


def test_the_list_shows_its_jurisdiction_newest_first_within_the_filters(world: World, market: Any) -> None:
    with clock.travel(clock.now() - dt.timedelta(days=100)):
        old = submitted(world.weibin, requester_phone="13500000020")
    first = submitted(world.weibin, requester_phone="13500000021")
    second = submitted(world.weibin, requester_phone="13500000022", category=market)
    submitted(world.jintai, requester_phone="13500000023")  # 金台区's: not in 渭滨区's list
    numbers = lambda params: [r["service_request_id"] for r in listed(params)]  # noqa: E731
    assert numbers({}) == [second.number, first.number]  # the last 90 days by default
    assert numbers({"start_date": "2026-01-01"}) == [second.number, first.number, old.number]
    assert numbers({"start_date": "2026-01-01", "end_date": "2026-09-01T00:00:00+08:00"}) == [old.number]
    assert numbers({"service_code": "market"}) == [second.number]
    assert numbers({"service_code": "general"}) == [first.number]
    assert numbers({"service_request_id": f"{old.number},{first.number}", "status": "closed"}) == [
        first.number,
        old.number,
    ]  # a list of ids overrides the other filters
    assert numbers({"page_size": "1", "page": "2"}) == [first.number]
    assert listed({}, "xml").tag == "service_requests"
    assert [r.findtext("service_request_id") for r in listed({}, "xml")] == [second.number, first.number]


def test_one_request_by_its_number_and_the_token_leads_to_the_number(world: World, answered: Appeal) -> None:
    [shown] = parsed(Client().get(url("request_detail", service_request_id=answered.number)))
    assert shown["service_request_id"] == answered.number
    xml = parsed(Client().get(url("request_detail", "xml", service_request_id=answered.number)))
    assert xml.findtext("request/status") == "closed"
    elsewhere = Client().get(
        url("request_detail", service_request_id=answered.number), {"jurisdiction_id": "610303"}
    )
    assert elsewhere.status_code == 404
    assert parsed(Client().get(url("token", token=answered.token))) == [
        {"service_request_id": answered.number, "token": answered.token}
    ]
    xml = parsed(Client().get(url("token", "xml", token=answered.token)))
    assert xml.findtext("request/service_request_id") == answered.number


def test_an_appeal_about_staff_is_never_published(world: World, market: Any) -> None:
    appeal = submitted(world.weibin, about_staff=True, requester_phone="13500000030")
    assert listed({}) == []
    response = Client().get(url("request_detail", service_request_id=appeal.number))
    assert response.status_code == 404


# ==================================================================================================
# Our extensions
# ==================================================================================================


def test_extensions_appear_only_when_asked(world: World, answered: Appeal) -> None:
    assert "extensions" not in listed({})[0]
    assert listed({}, "xml").find("request/extensions") is None
    extensions = listed({"extensions": "true"})[0]["extensions"]
    assert extensions["state"] == "closed" and extensions["rating"] == "satisfied"
    assert extensions["rating_name"] == "满意" and extensions["workdays_left"] is None
    xml = listed({"extensions": "true"}, "xml")
    assert xml.findtext("request/extensions/rating_name") == "满意"


def test_extensions_carry_lead_and_assisting_departments_supervision_reopens_and_days_left(
    world: World, answered: Appeal
) -> None:
    other = staff_of(world.weibin_office, "office_clerk")
    Assist.objects.create(appeal=answered, department=other.department, part="协调窗口排班")
    running = submitted(world.weibin, requester_phone="13500000040")
    running = services.dispatch_appeal(running, world.weibin_samr, by=world.weibin_admin)
    with clock.travel(dt.datetime(2026, 12, 8, 10, 0, tzinfo=clock.SHANGHAI)):
        services.sweep_deadlines()  # past its 4 December deadline: 督办
        shown = {r["service_request_id"]: r["extensions"] for r in listed({"extensions": "1"})}
    assert shown[running.number] | {"supervised_datetime": None} == {
        "state": "dispatched",
        "state_name": "已派发",
        "kind": "complaint",
        "kind_name": "投诉",
        "channel": "web",
        "channel_name": "网上提交",
        "lead_department": "渭滨区市场监管局",
        "assists": [],
        "supervised": True,
        "supervised_datetime": None,
        "open_supervisions": 1,
        "rating": None,
        "rating_name": None,
        "rated_datetime": None,
        "cycle": 1,
        "reopens": 0,
        "due_workdays": 10,
        "sign_due_date": "2026-11-23",
        "finish_due_date": "2026-12-04",
        "workdays_left": -2,
        "overdue": True,
        "calendar_version": running.calendar_version,
        "due_note": None,
    }
    assert shown[answered.number]["assists"] == [
        {"department": "渭滨区营商办", "part": "协调窗口排班", "answered": False}
    ]
    xml = listed({"extensions": "true"}, "xml")
    assert xml.findtext("request/extensions/assists/assist/department") == "渭滨区营商办"


def test_a_reopened_appeal_counts_its_cycles_in_the_extensions(world: World, market: Any) -> None:
    appeal = submitted(world.weibin, requester_phone="13500000050")
    appeal = services.dispatch_appeal(appeal, world.weibin_samr, by=world.weibin_admin)
    services.sign_appeal(appeal, by=world.clerk)
    services.reply_appeal(appeal, by=world.clerk, text="已处理。")
    services.rate_appeal(appeal, rating="unsatisfied", reason="仍然排队")
    [shown] = listed({"extensions": "true"})
    assert shown["status"] == "open"
    assert (shown["extensions"]["cycle"], shown["extensions"]["reopens"]) == (2, 1)
    assert shown["extensions"]["rating_name"] == "不满意"


# ==================================================================================================
# No contact data, anywhere
# ==================================================================================================


def test_no_answer_shows_the_requesters_name_phone_or_e_mail(world: World, market: Any, key: str) -> None:
    text = f"我是{REQUESTER_NAME}，电话{REQUESTER_PHONE}，邮箱 nana@example.com，身份证 610302199001011234"
    posted = Client().post(url("requests"), post_data(key, description=text))
    appeal = Appeal.objects.get()
    appeal = services.dispatch_appeal(appeal, world.weibin_samr, by=world.weibin_admin)
    answers = [posted]
    for fmt in FORMATS:
        for extensions in ("", "true"):
            params = {"jurisdiction_id": "610302", "extensions": extensions}
            answers += [
                Client().get(url("requests", fmt), params),
                Client().get(url("request_detail", fmt, service_request_id=appeal.number), params),
                Client().get(url("token", fmt, token=appeal.token)),
                Client().get(url("discovery", fmt), params),
                Client().get(url("services", fmt), params),
            ]
    for response in answers:
        assert response.status_code in (200, 201)
        shown = response.content.decode()
        for secret in (REQUESTER_PHONE, REQUESTER_NAME, "nana@example.com", "610302199001011234", "娜娜"):
            assert secret not in shown, (response.request["PATH_INFO"], secret)
    [item] = parsed(answers[1])
    assert item["description"] == (
        "我是欧阳**，电话135****5678，邮箱 n***@example.com，身份证 **************1234"
    )


def test_control_characters_in_a_description_leave_the_xml_well_formed(
    world: World, market: Any, key: str
) -> None:
    Client().post(url("requests"), post_data(key, description="窗口\x0b无人\x0c值守"))
    xml = listed({}, "xml")  # parsed: well formed
    assert xml.findtext("request/description") == "窗口无人值守"
    assert listed({})[0]["description"] == "窗口\x0b无人\x0c值守"  # JSON escapes them
