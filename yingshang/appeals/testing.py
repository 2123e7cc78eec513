"""Builders for appeals tests: the world's departments that handle appeals, categories, and an appeal
moved through the lifecycle by the services themselves."""

from __future__ import annotations

from typing import Any

from yingshang.appeals import services
from yingshang.appeals.models import Appeal, Category
from yingshang.core.roles import Role
from yingshang.registry.models import Department, District, User

PHONE = "13912345678"


def department(district_code: str, name: str, code: str) -> Department:
    """A bureau of a district of the shared world (its parent is the district's node)."""
    parent = Department.objects.get(code=district_code)
    return Department.objects.create(
        name=name, code=code, kind="department", parent=parent, district=parent.district
    )


def staff_of(dept: Department, username: str) -> User:
    user = User(username=username, role=Role.DEPT_STAFF.value, first_name=username, department=dept)
    user.set_password("x")
    user.save()
    return user


def category(code: str = "market", name: str = "市场监管", department_name: str = "市场监管局") -> Category:
    found, _ = Category.objects.get_or_create(
        code=code, defaults={"name": name, "department_name": department_name}
    )
    return found


def submitted(district: District, **fields: Any) -> Appeal:
    data = services.NewAppeal(
        kind=fields.pop("kind", "complaint"),
        title=fields.pop("title", "窗口办事排长队"),
        text=fields.pop("text", "在政务服务中心办理营业执照变更，排队三个小时没有办完。"),
        district=district,
        requester_phone=fields.pop("requester_phone", PHONE),
        requester_name=fields.pop("requester_name", "张三"),
        **fields,
    )
    return services.submit_appeal(data)
