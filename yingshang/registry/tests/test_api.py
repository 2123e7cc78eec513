"""The registry JSON API: each endpoint, its filters and pagination, and every forbidden side."""

from __future__ import annotations

import datetime as dt

import pytest

from yingshang.conftest import World
from yingshang.core import clock
from yingshang.registry.models import ApiToken, Department, Enterprise, Qualification, User
from yingshang.registry.testing import BearerClient, bearer_client_for, make_enterprise, make_uscc

pytestmark = pytest.mark.django_db

BASE = "/api/registry"


def api_with(key: str | None) -> BearerClient:
    return BearerClient(BASE, key)


def api_for(user: User) -> BearerClient:
    return bearer_client_for(BASE, user)


def usccs(response) -> list[str]:
    return [item["uscc"] for item in response.json()["items"]]


# ---- authentication -----------------------------------------------------------------------------


def test_a_request_without_a_token_is_refused_with_a_chinese_401(world: World) -> None:
    response = api_with(None).get("/enterprises")
    assert response.status_code == 401
    assert "接口令牌" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_made_up_token_is_refused(world: World) -> None:
    assert api_with("ys_not-a-real-token").get("/enterprises").status_code == 401


def test_a_session_login_does_not_open_the_api(world: World) -> None:
    # The API is token-only: a browser session must not be enough (no CSRF exposure).
    response = world.client_for(world.admin).get(BASE + "/enterprises")
    assert response.status_code == 401


def test_a_revoked_token_is_refused(world: World) -> None:
    token, key = ApiToken.issue(world.admin, "将被吊销")
    assert api_with(key).get("/me").status_code == 200
    token.revoked_at = clock.now()
    token.save()
    response = api_with(key).get("/me")
    assert response.status_code == 401
    assert "接口令牌" in response.json()["detail"]


def test_a_token_of_a_deactivated_user_is_refused(world: World) -> None:
    _, key = ApiToken.issue(world.clerk, "离职")
    world.clerk.is_active = False
    world.clerk.save()
    assert api_with(key).get("/me").status_code == 401


def test_using_a_token_records_when_it_was_last_used(world: World) -> None:
    token, key = ApiToken.issue(world.admin, "记录")
    assert token.last_used_at is None
    api_with(key).get("/me")
    token.refresh_from_db()
    assert token.last_used_at is not None


# ---- who am I -----------------------------------------------------------------------------------


def test_me_describes_a_district_clerk(world: World) -> None:
    body = api_for(world.clerk).get("/me").json()
    assert body["username"] == "clerk"
    assert body["role"] == "dept_staff"
    assert body["department"] == {"code": "weibin-samr", "name": "渭滨区市场监管局"}
    assert body["jurisdiction"] == {"code": world.weibin.code, "name": "渭滨区"}
    assert body["enterprise"] is None
    assert "registry.view" in body["capabilities"]
    assert "registry.import" not in body["capabilities"]


def test_me_tells_an_enterprise_user_which_enterprise_they_belong_to(world: World) -> None:
    body = api_for(world.owner).get("/me").json()
    assert body["role"] == "enterprise"
    assert body["enterprise"] == {"code": world.acme.uscc, "name": world.acme.name}


def test_me_tells_a_user_without_a_role_that_they_have_none(world: World) -> None:
    body = api_for(world.nobody).get("/me").json()
    assert body["role"] == ""
    assert body["role_label"] == "未分配角色"
    assert body["capabilities"] == []


# ---- enterprise list ----------------------------------------------------------------------------


def test_the_office_admin_lists_every_enterprise_ordered_by_uscc(world: World) -> None:
    response = api_for(world.admin).get("/enterprises")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert usccs(response) == sorted([world.acme.uscc, world.bolt.uscc])
    first = next(i for i in body["items"] if i["uscc"] == world.acme.uscc)
    assert first["district_code"] == world.weibin.code
    assert first["scale_label"] == world.acme.get_scale_display()
    assert first["entity_type_label"] == "企业"


def test_a_district_clerk_lists_only_their_district(world: World) -> None:
    assert usccs(api_for(world.clerk).get("/enterprises")) == [world.acme.uscc]
    assert usccs(api_for(world.other_clerk).get("/enterprises")) == [world.bolt.uscc]


def test_an_enterprise_user_lists_only_their_own_enterprise(world: World) -> None:
    assert usccs(api_for(world.owner).get("/enterprises")) == [world.acme.uscc]
    assert usccs(api_for(world.other_owner).get("/enterprises")) == [world.bolt.uscc]


def test_a_user_without_a_role_gets_a_chinese_403_on_the_list(world: World) -> None:
    response = api_for(world.nobody).get("/enterprises")
    assert response.status_code == 403
    assert "角色" in response.json()["detail"]


def test_a_district_clerk_cannot_widen_the_scope_with_the_district_filter(world: World) -> None:
    response = api_for(world.clerk).get("/enterprises", district=world.jintai.code)
    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "螺栓"}, ["bolt"]),
        ({"q": "91610302"}, ["acme"]),
        ({"q": "91610302ma"}, ["acme"]),  # a USCC prefix is matched case-insensitively
        ({"district": "610303"}, ["bolt"]),
        ({"section": "C"}, ["acme", "bolt"]),
        ({"qualification": "hnte"}, ["acme"]),
        ({"credit_class": "B"}, ["acme", "bolt"]),
        ({"credit_class": "A"}, []),
        ({"status": "active"}, ["acme", "bolt"]),
        ({"entity_type": "individual"}, []),
    ],
)
def test_the_list_filters_like_the_list_page(
    world: World, params: dict[str, str], expected: list[str]
) -> None:
    names = {world.acme.uscc: "acme", world.bolt.uscc: "bolt"}
    response = api_for(world.admin).get("/enterprises", **params)
    assert response.status_code == 200
    assert sorted(names[u] for u in usccs(response)) == expected


def test_the_scale_filter_matches_the_computed_scale(world: World) -> None:
    response = api_for(world.admin).get("/enterprises", scale=world.bolt.scale)
    assert world.bolt.uscc in usccs(response)
    assert all(i["scale"] == world.bolt.scale for i in response.json()["items"])


def test_scale_unknown_finds_entities_without_enough_data(world: World) -> None:
    vague = make_enterprise(
        make_uscc("91610302MA6X00009"), "数据不全公司", world.weibin, employees=None, annual_revenue_fen=None
    )
    assert vague.scale == ""
    response = api_for(world.admin).get("/enterprises", scale="unknown")
    assert usccs(response) == [vague.uscc]
    assert response.json()["items"][0]["scale"] is None
    assert response.json()["items"][0]["scale_label"] == "无法判定"


def test_the_list_is_paginated_with_a_stable_order(world: World) -> None:
    for n in range(5):
        make_enterprise(make_uscc(f"91610302MA6Y0000{n}"), f"分页测试{n}", world.weibin)
    api = api_for(world.admin)
    seen: list[str] = []
    for page in (1, 2, 3):
        body = api.get("/enterprises", page=page, page_size=3).json()
        assert body["count"] == 7
        assert body["page"] == page
        assert body["page_size"] == 3
        seen += [i["uscc"] for i in body["items"]]
    assert seen == sorted(Enterprise.objects.values_list("uscc", flat=True))


def test_a_page_past_the_end_is_empty_not_an_error(world: World) -> None:
    body = api_for(world.admin).get("/enterprises", page=99).json()
    assert body["items"] == []
    assert body["count"] == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page_size": "201"}, "page_size"),
        ({"scale": "huge"}, "scale"),
        ({"section": "Z"}, "section"),
        ({"district": "weibin"}, "district"),
        ({"q": "x" * 101}, "q"),
        ({"q": "a\x00b"}, "q"),
    ],
)
def test_bad_query_parameters_get_a_chinese_422_naming_the_parameter(
    world: World, params: dict[str, str], field: str
) -> None:
    response = api_for(world.admin).get("/enterprises", **params)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("参数错误：")
    assert field in body["detail"]
    assert [e["field"] for e in body["errors"]] == [field]
    assert all(e["msg"] for e in body["errors"])


def test_an_out_of_range_page_says_the_bound_in_chinese(world: World) -> None:
    body = api_for(world.admin).get("/enterprises", page="0").json()
    assert body["errors"][0]["msg"] == "不能小于 1"


def test_an_unknown_scale_lists_the_allowed_values(world: World) -> None:
    body = api_for(world.admin).get("/enterprises", scale="huge").json()
    assert "取值无效" in body["errors"][0]["msg"]
    assert "micro" in body["errors"][0]["msg"]


# ---- enterprise profile -------------------------------------------------------------------------


def test_the_profile_carries_money_in_fen_provenance_and_qualifications(world: World) -> None:
    response = api_for(world.admin).get(f"/enterprises/{world.acme.uscc}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == world.acme.name
    assert body["annual_revenue_fen"] == world.acme.annual_revenue_fen
    assert isinstance(body["annual_revenue_fen"], int)
    assert body["registered_capital_fen"] is None
    assert body["employees"] == world.acme.employees
    assert body["street"] == "经二路街道"
    assert body["industry_code"] == "3911"
    assert body["industry_name"] == world.acme.industry.name
    assert body["provenance"]["employees"] == {"source": "测试数据", "as_of": "2026-06-30"}
    assert "registered_capital_fen" not in body["provenance"]  # no source recorded, none invented
    assert "计算" in body["provenance"]["scale"]["source"]
    assert [(q["kind"], q["level"]) for q in body["qualifications"]] == [("hnte", "national")]
    assert body["qualifications"][0]["kind_label"] == "高新技术企业"
    assert body["updated_at"].endswith("+08:00")


def test_the_profile_accepts_a_lower_case_uscc(world: World) -> None:
    response = api_for(world.admin).get(f"/enterprises/{world.acme.uscc.lower()}")
    assert response.status_code == 200
    assert response.json()["uscc"] == world.acme.uscc


def test_an_unknown_uscc_is_a_chinese_404(world: World) -> None:
    response = api_for(world.admin).get(f"/enterprises/{make_uscc('91610302MA6X99999')}")
    assert response.status_code == 404
    assert "未找到" in response.json()["detail"]


def test_a_malformed_uscc_is_a_422(world: World) -> None:
    assert api_for(world.admin).get("/enterprises/123").status_code == 422


def test_a_clerk_gets_404_for_another_districts_enterprise(world: World) -> None:
    api = api_for(world.clerk)
    assert api.get(f"/enterprises/{world.acme.uscc}").status_code == 200
    response = api.get(f"/enterprises/{world.bolt.uscc}")
    assert response.status_code == 404
    assert response.json()["detail"] == "未找到该市场主体，或您无权查看"


def test_an_enterprise_user_gets_404_for_another_enterprise(world: World) -> None:
    api = api_for(world.owner)
    assert api.get(f"/enterprises/{world.acme.uscc}").status_code == 200
    assert api.get(f"/enterprises/{world.bolt.uscc}").status_code == 404
    assert api.get(f"/enterprises/{world.bolt.uscc}/qualifications").status_code == 404


def test_a_user_without_a_role_gets_403_on_a_profile(world: World) -> None:
    assert api_for(world.nobody).get(f"/enterprises/{world.acme.uscc}").status_code == 403


# ---- qualifications -----------------------------------------------------------------------------


def add_qualification(enterprise: Enterprise, kind: str, level: str, certified: str, expires: str | None):
    return Qualification.objects.create(
        enterprise=enterprise,
        kind=kind,
        level=level,
        certified_on=dt.date.fromisoformat(certified),
        expires_on=dt.date.fromisoformat(expires) if expires else None,
        source="测试数据",
    )


def test_an_enterprises_qualifications_are_listed(world: World) -> None:
    add_qualification(world.acme, "srdi_sme", "provincial", "2025-01-01", None)
    response = api_for(world.owner).get(f"/enterprises/{world.acme.uscc}/qualifications")
    assert response.status_code == 200
    assert [(q["kind"], q["level"]) for q in response.json()] == [
        ("hnte", "national"),
        ("srdi_sme", "provincial"),
    ]


def test_the_qualification_list_is_limited_to_visible_enterprises(world: World) -> None:
    add_qualification(world.bolt, "tech_sme", "provincial", "2025-03-01", "2026-03-01")
    admin_rows = api_for(world.admin).get("/qualifications").json()
    assert admin_rows["count"] == 2
    for user, uscc in ((world.clerk, world.acme.uscc), (world.other_owner, world.bolt.uscc)):
        body = api_for(user).get("/qualifications").json()
        assert [q["enterprise_uscc"] for q in body["items"]] == [uscc]
    assert api_for(world.nobody).get("/qualifications").status_code == 403


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"hnte", "tech_sme", "srdi_sme"}),
        ({"kind": "tech_sme"}, {"tech_sme"}),
        ({"level": "provincial"}, {"tech_sme", "srdi_sme"}),
        ({"valid_on": "2026-06-30"}, {"hnte", "srdi_sme"}),  # tech_sme expired 2026-03-01
        ({"valid_on": "2026-03-01"}, {"hnte", "tech_sme", "srdi_sme"}),  # the expiry day still counts
        ({"valid_on": "2024-12-31"}, {"hnte"}),  # srdi_sme not yet certified
    ],
)
def test_qualifications_filter_by_kind_level_and_validity(
    world: World, params: dict[str, str], expected: set[str]
) -> None:
    add_qualification(world.bolt, "tech_sme", "provincial", "2025-03-01", "2026-03-01")
    add_qualification(world.acme, "srdi_sme", "provincial", "2025-01-01", None)
    body = api_for(world.admin).get("/qualifications", **params).json()
    assert {q["kind"] for q in body["items"]} == expected


def test_a_bad_validity_date_is_a_chinese_422(world: World) -> None:
    body = api_for(world.admin).get("/qualifications", valid_on="2026-13-01").json()
    assert body["errors"][0]["field"] == "valid_on"
    assert "日期" in body["errors"][0]["msg"]


# ---- departments --------------------------------------------------------------------------------


def test_staff_read_the_department_tree(world: World) -> None:
    response = api_for(world.admin).get("/departments")
    assert response.status_code == 200
    rows = {d["code"]: d for d in response.json()}
    assert set(rows) == set(Department.objects.values_list("code", flat=True))
    assert rows["weibin-samr"]["parent"] == "weibin"
    assert rows["weibin-samr"]["district"] == world.weibin.code
    assert rows["city"]["parent"] is None
    assert rows["city-yingshang"]["district"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "district"}, {"weibin", "jintai"}),
        ({"district": "610303"}, {"jintai", "jintai-yingshang", "jintai-samr"}),
        ({"parent": "city"}, {"city-yingshang", "weibin", "jintai"}),
    ],
)
def test_departments_filter_by_kind_district_and_parent(
    world: World, params: dict[str, str], expected: set[str]
) -> None:
    rows = api_for(world.admin).get("/departments", **params).json()
    assert {d["code"] for d in rows} == expected


def test_a_department_shows_its_direct_children(world: World) -> None:
    body = api_for(world.inspector).get("/departments/weibin").json()
    assert body["name"] == "渭滨区"
    assert [c["code"] for c in body["children"]] == ["weibin-samr", "weibin-yingshang"]


def test_a_district_reads_the_city_departments_and_its_own_but_not_another_districts(world: World) -> None:
    api = api_for(world.clerk)
    codes = {d["code"] for d in api.get("/departments").json()}
    assert codes == {"city", "city-yingshang", "weibin", "weibin-yingshang", "weibin-samr"}
    assert api.get("/departments/jintai-samr").status_code == 404
    city = api.get("/departments/city").json()
    assert [c["code"] for c in city["children"]] == ["city-yingshang", "weibin"]


def test_an_unknown_department_is_a_chinese_404(world: World) -> None:
    response = api_for(world.admin).get("/departments/nowhere")
    assert response.status_code == 404
    assert response.json()["detail"] == "未找到该部门"


@pytest.mark.parametrize("who", ["owner", "nobody"])
def test_enterprise_users_and_users_without_a_role_cannot_read_departments(world: World, who: str) -> None:
    api = api_for(getattr(world, who))
    for path in ("/departments", "/departments/weibin"):
        response = api.get(path)
        assert response.status_code == 403
        assert response.json()["detail"]


# ---- industries ---------------------------------------------------------------------------------


def test_the_industry_table_filters_by_level_and_parent(world: World) -> None:
    api = api_for(world.owner)
    sections = api.get("/industries", level="门类", page_size=200).json()
    assert sections["count"] == 20
    assert [i["code"] for i in sections["items"]][:2] == ["A", "B"]
    children = api.get("/industries", parent="39").json()
    assert children["items"]
    assert all(i["parent"] == "39" and i["level"] == "中类" for i in children["items"])


def test_a_user_without_a_role_cannot_read_the_industry_table(world: World) -> None:
    assert api_for(world.nobody).get("/industries").status_code == 403
