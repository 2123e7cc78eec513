"""Stored pack versions (政策包): every version the engine accepted, one of them working per pack,
with its policies and reward items as rows; each version's text parsed once per process.

Part of the app's public API through `services`, which re-exports these names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from yingshang.core import clock
from yingshang.core.errors import UserError
from yingshang.policies import rules
from yingshang.policies.models import Policy, PolicyPack, RewardItem
from yingshang.policies.rules.errors import Place
from yingshang.policies.rules.render import amount_sentence
from yingshang.registry.models import District, User

UI_ORIGIN = "页面编辑"


class PackRejected(UserError):
    """A pack text with errors; `errors` are the engine's Chinese RuleErrors with places."""

    def __init__(self, errors: list[rules.RuleError]) -> None:
        super().__init__("；".join(str(e) for e in errors))
        self.errors = errors


_parsed: dict[tuple[str, str], rules.Pack] = {}
_parsed_lock = threading.Lock()


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def parsed_pack(stored: PolicyPack) -> rules.Pack:
    """The engine's Pack for a stored version, parsed once per process (the text was validated,
    embedded cases included, when the version was accepted)."""
    key = (stored.name, _text_hash(stored.text))
    pack = _parsed.get(key)
    if pack is None:
        pack, errors = rules.load_pack(stored.text, f"{stored.name}.yaml", run_cases=False)
        if pack is None:  # only if the engine changed underneath a stored text
            raise PackRejected(errors)
        with _parsed_lock:
            _parsed[key] = pack
    return pack


def pack_checks(*, districts: bool = True) -> rules.Checks:
    """What a pack must agree with here: the districts of the registry (when there are any) and the
    configured per-item amount ceiling (YINGSHANG_ITEM_AMOUNT_CEILING_YUAN). The engine reads no
    database, so the names are passed in."""
    names = list(District.objects.values_list("name", flat=True)) if districts else []
    return rules.Checks.of(names or None, settings.ITEM_AMOUNT_CEILING_YUAN * 100)


def working_packs() -> list[tuple[PolicyPack, rules.Pack]]:
    """Every working pack version with its parsed Pack, ordered by name."""
    return [(p, parsed_pack(p)) for p in PolicyPack.objects.filter(is_working=True).order_by("name")]


def _store_items(stored: PolicyPack, pack: rules.Pack) -> None:
    """Policy and RewardItem rows of one accepted pack version."""
    for policy in pack.policies:
        policy_row = Policy.objects.create(
            pack=stored,
            key=policy.id,
            title=policy.title,
            issuer=policy.issuer,
            doc_no=policy.doc_number,
            published_on=policy.published_on,
            valid_from=policy.valid_from,
            valid_to=policy.valid_to,
            source_text=policy.source,
            source_note=policy.source_note[:300],
            department=policy.department[:100],
            version=policy.version,
        )
        RewardItem.objects.bulk_create(
            [
                RewardItem(
                    policy=policy_row,
                    key=item.id,
                    title=item.title,
                    article=item.article,
                    mode=item.effective_mode.value,
                    exclusivity_group=item.exclusivity_group or "",
                    budget_cap_fen=item.budget_cap_fen,
                    tags=list(item.tags),
                    sentence=item.sentence(),
                    amount_sentence=amount_sentence(item.amount),
                    valid_from=item.valid_from,
                    valid_to=item.valid_to,
                    version=item.version,
                    position=position,
                    source_text=item.source_text,
                    note=item.note,
                    manual_conditions=item.manual_sentences(),
                    department=item.department[:100],
                )
                for position, item in enumerate(policy.items)
            ]
        )


def _refresh_descriptions(stored: PolicyPack, pack: rules.Pack) -> None:
    """Wording that does not change what a rule decides (and so not its version): article, tags,
    source text, notes, publication day, 牵头部门. A re-saved version shows the latest wording."""
    for policy in pack.policies:
        Policy.objects.filter(pack=stored, key=policy.id).update(
            published_on=policy.published_on,
            source_text=policy.source,
            source_note=policy.source_note[:300],
            department=policy.department[:100],
        )
        for item in policy.items:
            RewardItem.objects.filter(policy__pack=stored, key=item.id).update(
                article=item.article,
                tags=list(item.tags),
                source_text=item.source_text,
                note=item.note,
                department=item.department[:100],
            )


def _make_working(
    name: str, pack: rules.Pack, text: str, origin: str, user: User | None, note: str
) -> PolicyPack:
    """Inside a transaction: `pack` becomes the working version of `name`; the old one is kept."""
    versions = list(PolicyPack.objects.select_for_update().filter(name=name))
    current = next((p for p in versions if p.is_working), None)
    same = next((p for p in versions if p.version == pack.version), None)
    if current is not None and current is same and current.text == text:
        return current
    if current is not None and current is not same:
        current.is_working = False
        current._history_user = user  # type: ignore[attr-defined]
        current.save(update_fields=["is_working"])
    if same is not None:
        # The same decisions as a stored version (a revert, or only comments/cases edited): that row
        # becomes working again with the new text, so results made with it stay attached to it.
        same.is_working = True
        same.text, same.title, same.origin = text, pack.title, origin
        same.note = note[:300] or same.note
        same._history_user = user  # type: ignore[attr-defined]
        same.save()
        _refresh_descriptions(same, pack)
        return same
    stored = PolicyPack(
        name=name,
        title=pack.title[:200],
        text=text,
        version=pack.version,
        origin=origin[:100],
        is_working=True,
        created_by=user,
        note=note[:300],
    )
    stored._history_user = user  # type: ignore[attr-defined]
    stored.save()
    _store_items(stored, pack)
    return stored


def sync_shipped_packs(user: User | None = None) -> list[PolicyPack]:
    """Store each pack shipped with the software as the working version when its content differs
    from the stored working one. Running it again changes nothing. A shipped pack with errors is a
    bug in the release: it raises PackRejected (the test suite loads every shipped pack)."""
    stored: list[PolicyPack] = []
    for path in rules.shipped_pack_paths():
        text = path.read_text(encoding="utf-8")
        # The release's packs are examples of its demo district: their district is not checked
        # against this deployment's registry (a pack for a district it lacks pays nobody).
        pack, errors = rules.load_pack(text, path.name, checks=pack_checks(districts=False))
        if pack is None:
            raise PackRejected(errors)
        with transaction.atomic():
            stored.append(_make_working(pack.id, pack, text, path.name, user, "随软件发布的政策包"))
    return stored


def save_pack_version(
    name: str, text: str, user: User | None, note: str = ""
) -> tuple[PolicyPack | None, list[rules.RuleError]]:
    """Validate `text` with the engine (every embedded test case must pass) and, when clean, make it
    the working version of pack `name` in one transaction. With any error nothing changes and the
    errors (Chinese, with line and place) come back. The previous version is kept, not working."""
    file = f"{name}.yaml"
    stored = PolicyPack.objects.filter(name=name, is_working=True).first()
    working = parsed_pack(stored) if stored else None
    pack, errors = rules.replace_working_pack(working, text, file, pack_checks())
    if errors:
        return None, errors
    assert pack is not None
    if pack.id != name:
        message = f"规则文本中的政策包编号（id）是“{pack.id}”，与正在保存的政策包“{name}”不一致"
        return None, [rules.RuleError("pack.id", message, Place(file))]
    with transaction.atomic():
        return _make_working(name, pack, text, UI_ORIGIN, user, note), []


def pack_versions(name: str) -> QuerySet[PolicyPack]:
    """Every stored version of a pack, newest first."""
    return PolicyPack.objects.filter(name=name).order_by("-created_at", "-pk")


@dataclass(frozen=True)
class CurrentItem:
    """A reward item of a working pack that is in force on a day, with its stored row."""

    pack: PolicyPack
    policy: rules.Policy
    item: rules.Item
    row: RewardItem

    @property
    def sentence(self) -> str:
        return self.row.sentence


def rows_by_key(stored: PolicyPack) -> dict[str, RewardItem]:
    return {
        r.key: r
        for r in RewardItem.objects.filter(policy__pack=stored).select_related("policy", "policy__pack")
    }


def current_items(as_of: dt.date | None = None) -> list[CurrentItem]:
    """Items of the working packs in force on `as_of` (default today), in pack order."""
    day = as_of or clock.today()
    found = []
    for stored, pack in working_packs():
        rows = rows_by_key(stored)
        for policy, item in pack.items():
            if item.is_current(day):
                found.append(CurrentItem(stored, policy, item, rows[item.id]))
    return found
