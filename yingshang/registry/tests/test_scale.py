"""统计上大中小微型企业划分办法（2017）: table-driven cases at and around each bound."""

from __future__ import annotations

import pytest

from yingshang.registry.scale import classify_scale

WAN = 1_000_000  # fen per 万元


@pytest.mark.parametrize(
    ("code", "employees", "revenue_wan", "assets_wan", "expected"),
    [
        # 工业: X and Y both needed for 大/中/小
        ("3911", 1000, 40000, None, "large"),
        ("3911", 999, 40000, None, "medium"),  # one indicator short drops one band
        ("3911", 1000, 39999, None, "medium"),
        ("3911", 300, 2000, None, "medium"),
        ("3911", 299, 2000, None, "small"),
        ("3911", 20, 300, None, "small"),
        ("3911", 19, 300, None, "micro"),  # 微型 needs only one indicator below the 小型 bound
        ("3911", 5000, 299, None, "micro"),
        ("C", 1500, 50000, None, "large"),  # a bare 门类 letter is enough for 工业
        # 零售业 52: X 300/50/10, Y 20000/500/100
        ("5212", 300, 20000, None, "large"),
        ("5212", 50, 500, None, "medium"),
        ("5212", 10, 100, None, "small"),
        ("5212", 9, 100000, None, "micro"),
        # 批发业 51: X 200/20/5, Y 40000/5000/1000
        ("5131", 20, 5000, None, "medium"),
        ("5131", 5, 999, None, "micro"),
        # 建筑业 E: Y and Z
        ("4711", None, 80000, 80000, "large"),
        ("4711", None, 6000, 4999, "small"),
        ("4711", None, 299, None, "micro"),
        # 房地产开发经营 7010: Y 200000/1000/100, Z 10000/5000/2000
        ("7010", None, 1000, 5000, "medium"),
        ("7010", None, 100, 1999, "micro"),
        # 物业管理 7020: X 1000/300/100
        ("7020", 300, 1000, None, "medium"),
        # 租赁和商务服务业 L: X and Z
        ("7211", 100, None, 8000, "medium"),
        # 软件和信息技术服务业 65: Y small bound 50 万元
        ("6511", 10, 50, None, "small"),
        ("6511", 10, 49, None, "micro"),
        # 交通运输业 includes 591 装卸搬运, 仓储业 is the rest of 59
        ("5910", 300, 3000, None, "medium"),
        ("5920", 100, 1000, None, "medium"),
        # 农、林、牧、渔业 by revenue alone
        ("0111", None, 500, None, "medium"),
        ("0111", None, 49, None, "micro"),
        # 其他未列明行业 by employees alone
        ("7511", 100, None, None, "medium"),
        ("8010", 9, None, None, "micro"),
    ],
)
def test_it_classifies_scale_by_the_2017_table(code, employees, revenue_wan, assets_wan, expected):
    revenue = None if revenue_wan is None else revenue_wan * WAN
    assets = None if assets_wan is None else assets_wan * WAN
    assert classify_scale(code, employees=employees, revenue_fen=revenue, assets_fen=assets) == expected


@pytest.mark.parametrize(
    ("code", "employees", "revenue_wan"),
    [
        ("3911", 500, None),  # 工业 needs revenue too, and 500 人 does not settle 微型
        ("3911", None, 5000),
        ("6611", 100, 100),  # 金融业 has its own standard, outside this table
        ("5311", 100, 100),  # 铁路运输 is not in 交通运输业 of the table
        ("7040", 100, 100),  # 自有房地产经营活动 is excluded
        ("59", 100, 100),  # a bare 59 cannot tell 装卸搬运 from 仓储
        ("", 100, 100),
        ("ZZ", 100, 100),
    ],
)
def test_it_leaves_scale_undecided_rather_than_guessing(code, employees, revenue_wan):
    revenue = None if revenue_wan is None else revenue_wan * WAN
    assert classify_scale(code, employees=employees, revenue_fen=revenue) is None
