"""Registry JSON API: market entities, qualifications, departments."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["市场主体名录"])
