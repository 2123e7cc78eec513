from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from yingshang.registry.models import Department, Qualification

pytestmark = pytest.mark.django_db


def test_saving_derives_section_division_and_scale(world):
    world.bolt.industry_id = "5212"
    world.bolt.employees = 60
    world.bolt.annual_revenue_fen = 600 * 1_000_000
    world.bolt.save()
    world.bolt.refresh_from_db()
    assert (world.bolt.industry_section, world.bolt.industry_division, world.bolt.scale) == (
        "F",
        "52",
        "medium",
    )


def test_scale_is_blank_when_the_figures_cannot_decide_it(world):
    world.bolt.employees = 500
    world.bolt.annual_revenue_fen = None
    world.bolt.save()
    assert world.bolt.scale == ""


def test_a_qualification_cannot_expire_before_it_is_certified(world):
    with pytest.raises(IntegrityError):
        Qualification.objects.create(
            enterprise=world.bolt,
            kind="tech_sme",
            level="provincial",
            certified_on=dt.date(2026, 5, 1),
            expires_on=dt.date(2025, 5, 1),
        )


def test_a_qualification_is_valid_only_inside_its_window(world):
    q = world.acme.qualifications.get()
    assert q.is_valid_on(dt.date(2025, 1, 1))
    assert not q.is_valid_on(dt.date(2027, 11, 1))
    assert not q.is_valid_on(dt.date(2024, 10, 31))


def test_a_department_cannot_be_its_own_ancestor(world):
    city = Department.objects.get(code="city")
    city.parent = world.weibin_samr
    with pytest.raises(ValidationError, match="上级部门不能是自身或下级部门"):
        city.full_clean()


def test_editing_an_enterprise_keeps_its_history(world):
    world.acme.name = "宝鸡市渭滨区示例科技股份有限公司"
    world.acme.save()
    assert world.acme.history.count() == 2
    assert world.acme.history.last().name == "宝鸡市渭滨区示例科技有限公司"
