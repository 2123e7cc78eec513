"""Fixtures of the portal tests: the shipped packs, and entitlements of acme and bolt."""

from __future__ import annotations

import pytest

from yingshang.conftest import World
from yingshang.entitlements.models import Entitlement
from yingshang.policies import services
from yingshang.portal.testing import make_entitlement


@pytest.fixture
def packs(world: World) -> None:
    services.sync_shipped_packs()


@pytest.fixture
def quick(world: World, packs: None) -> Entitlement:
    """acme's 快申快享 entitlement, pushed and waiting for its confirmation."""
    return make_entitlement(world.acme)


@pytest.fixture
def bolt_quick(world: World, packs: None) -> Entitlement:
    return make_entitlement(world.bolt)
