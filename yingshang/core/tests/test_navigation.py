from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _nav(client, url: str) -> dict[str, bool]:
    response = client.get(url)
    return {item["label"]: item["active"] for item in response.context["nav_items"]}


def test_the_nav_marks_the_section_of_a_page_below_it(world):
    nav = _nav(world.client_for(world.clerk), reverse("registry:enterprise_detail", args=[world.acme.uscc]))
    assert nav["市场主体"] is True
    assert nav["首页"] is False


def test_the_home_entry_is_current_only_on_the_home_page(world):
    assert _nav(world.client_for(world.clerk), reverse("home"))["首页"] is True


@pytest.mark.parametrize(
    ("who", "present", "absent"),
    [
        (
            "admin",
            ["市场主体", "名录导入", "变更审计", "部门与人员", "政策兑现", "明白卡"],
            ["本企业", "企业码"],
        ),
        ("clerk", ["市场主体", "部门与人员", "政策兑现"], ["名录导入", "变更审计", "本企业", "明白卡"]),
        ("owner", ["本企业", "企业码"], ["市场主体", "名录导入", "变更审计", "部门与人员", "政策兑现"]),
        ("nobody", ["首页"], ["市场主体", "本企业", "名录导入", "工作日历"]),
    ],
)
def test_each_role_sees_only_the_rooms_it_may_enter(world, who, present, absent):
    nav = _nav(world.client_for(getattr(world, who)), reverse("home"))
    assert all(label in nav for label in present)
    assert not any(label in nav for label in absent)


def test_the_longest_matching_entry_is_current(world):
    nav = _nav(world.client_for(world.clerk), reverse("entitlements:entitlement_list"))
    assert nav["政策兑现"] is True
    assert nav["政策"] is False
