"""The demo's 政策找企业: packs stored and one match, never a second one."""

from __future__ import annotations

import datetime as dt

import pytest

from yingshang.conftest import World
from yingshang.demo.policies import load_demo_policies
from yingshang.policies.models import MatchRun
from yingshang.registry.models import Qualification
from yingshang.registry.testing import make_enterprise, make_uscc

pytestmark = pytest.mark.django_db


def test_the_demo_loads_the_packs_and_one_match_and_not_a_second_time(world: World) -> None:
    more = [
        make_enterprise(make_uscc(f"91610302MA6X1{i:04d}"), f"示例企业{i}", world.weibin, employees=10 + i)
        for i in range(3)
    ]
    Qualification.objects.create(
        enterprise=more[0], kind="little_giant", level="national", certified_on=dt.date(2025, 8, 1)
    )
    steps: list[str] = []
    loaded = load_demo_policies(on_step=steps.append)
    assert loaded.run is not None and loaded.run.state == "done" and loaded.run.entity_count == 5
    assert loaded.run.eligible_count > 0 and loaded.run.total_amount_fen > 0
    again = load_demo_policies(on_step=steps.append)
    assert again.run is not None and again.run.pk == loaded.run.pk
    assert MatchRun.objects.count() == 1
    assert any("批量匹配完成" in s for s in steps) and any("不再重复运行" in s for s in steps)
