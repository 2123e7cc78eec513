"""Template filters of the 政策找企业 pages: money from integer fen, signed differences, version labels."""

from __future__ import annotations

from django import template

from yingshang.core.money import format_fen
from yingshang.policies.models import PolicyPack, RewardItem
from yingshang.registry.vocab import QUALIFICATION_LEVELS

register = template.Library()


@register.filter
def yuan(fen: int | str | None, unknown: str = "—") -> str:
    """12345678 → '123,456.78 元' (core.money.format_fen); None or "" → `unknown`."""
    return format_fen(None if fen is None or fen == "" else int(fen), unknown)


@register.filter
def signed_yuan(fen: int | None) -> str:
    """A difference: '+1,000.00 元', '-500.00 元', '0.00 元'."""
    if fen is None:
        return "—"
    text = format_fen(int(fen))
    return f"+{text}" if int(fen) > 0 else text


@register.filter
def signed(number: int | None) -> str:
    """A difference of counts with thousands separators: '+12', '-3', '0'."""
    if number is None:
        return "—"
    return f"{int(number):+,}" if number else "0"


@register.filter
def count(number: int | None) -> str:
    return "—" if number is None else f"{int(number):,}"


@register.filter
def duration(milliseconds: int | None) -> str:
    if milliseconds is None:
        return "—"
    seconds = milliseconds / 1000
    if seconds < 60:
        return f"{seconds:.1f} 秒"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} 分 {rest} 秒"


@register.filter
def can(user: object, capability: str) -> bool:
    """`{% if user|can:"policies.run" %}`: the role capability check of core.roles in a template."""
    check = getattr(user, "can", None)
    return bool(check and check(capability))


@register.filter
def version_label(row: PolicyPack | RewardItem | None) -> str:
    """A pack or item version as people count them, '第 3 版', instead of its content hash: the hash
    identifies a version for the machine, but means nothing to a clerk reading a page."""
    if row is None:
        return "—"
    if isinstance(row, PolicyPack):
        number = PolicyPack.objects.filter(name=row.name, pk__lte=row.pk).count()
    else:
        # Item rows repeat for every pack version; an item's own versions are its distinct texts so far.
        earlier = RewardItem.objects.filter(
            key=row.key, policy__pack__name=row.policy.pack.name, pk__lte=row.pk
        )
        number = earlier.order_by().values("version").distinct().count()
    return f"第 {number} 版"


@register.filter
def origin_label(origin: str) -> str:
    """Where a pack version came from, for people: a shipped pack's YAML file name is the software's
    business, so it reads '随软件发布'; '页面编辑' and the like stay as they are."""
    text = str(origin or "")
    return "随软件发布" if text.lower().endswith((".yaml", ".yml")) else (text or "—")


LEVEL_LABELS = {code: f"{label}级" for code, label in QUALIFICATION_LEVELS}


@register.filter
def level_label(level: str | None) -> str:
    """A qualification's level as people say it ('national' → '国家级'); empty → '—'."""
    return LEVEL_LABELS.get(level or "", level or "—")
