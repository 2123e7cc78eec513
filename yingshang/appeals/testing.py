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


# A small labelled history of our own (three categories, fifteen texts each) to train a routing model.
TOPICS = {
    "市场监管": [
        "超市销售过期食品",
        "药店售卖假药",
        "饭店后厨卫生脏乱",
        "商场虚假打折促销",
        "网店卖假冒名牌",
    ],
    "住房建设": [
        "小区电梯经常停运",
        "工地夜间施工噪音",
        "楼道墙皮脱落漏水",
        "安置房迟迟不交房",
        "物业乱收停车费",
    ],
    "人力社保": [
        "公司拖欠工资三个月",
        "单位不给缴纳社保",
        "辞退员工不给补偿",
        "加班费一直不发放",
        "劳动合同到期不续签",
    ],
}


def history_csv() -> bytes:
    lines = ["诉求内容,类别"]
    for label, texts in TOPICS.items():
        for n, text in enumerate(texts * 3):
            lines.append(f"{text}，请尽快处理（第{n}次反映）,{label}")
    return "\n".join(lines).encode("utf-8")
