"""The demo district in the database: `load_demo` writes the districts, streets, departments, the
market entities of `generate.py` and the demo logins, idempotently: departments and users are created
or brought back to their demo values, entities already present are left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from tqdm import tqdm

from yingshang.core.roles import Role
from yingshang.demo.generate import DemoEntity, generate_entities, showcase_uscc
from yingshang.demo.tables import (
    AS_OF,
    DEFAULT_ENTITIES,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEPARTMENTS,
    DISTRICT_CODES,
    DISTRICTS,
    SEED,
    DemoLogin,
)
from yingshang.registry.models import Department, District, Enterprise, Qualification, Street, User

BATCH_SIZE = 2_000


@dataclass
class DemoSummary:
    entities_total: int
    entities_created: int
    qualifications_created: int
    departments: int
    users: list[tuple[DemoLogin, User]]


def _save_if_changed(instance: Any, values: dict[str, Any]) -> bool:
    """Set values and save only when one differs, so a second load writes nothing (not even history)."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    if changed or instance.pk is None:
        instance.full_clean()
        instance.save()
        return True
    return False


def ensure_places() -> tuple[dict[str, District], dict[tuple[str, str], Street]]:
    districts: dict[str, District] = {}
    streets: dict[tuple[str, str], Street] = {}
    for spec in DISTRICTS:
        district = District.objects.filter(code=spec.code).first() or District(code=spec.code)
        _save_if_changed(district, {"name": spec.name})
        districts[spec.code] = district
        existing = {s.name: s for s in Street.objects.filter(district=district)}
        for name, _ in spec.streets:
            street = existing.get(name) or Street.objects.create(district=district, name=name)
            streets[(spec.code, name)] = street
    return districts, streets


def ensure_departments(districts: dict[str, District]) -> dict[str, Department]:
    departments: dict[str, Department] = {}
    existing = {d.code: d for d in Department.objects.filter(code__in=[row[0] for row in DEPARTMENTS])}
    for code, name, kind, parent, district in DEPARTMENTS:
        department = existing.get(code) or Department(code=code)
        _save_if_changed(
            department,
            {
                "name": name,
                "kind": kind,
                "parent_id": departments[parent].pk if parent else None,
                "district_id": districts[district].pk if district else None,
            },
        )
        departments[code] = department
    return departments


def demo_password_hash() -> str:
    """One hash of the demo password shared by every demo user (the password is public anyway), so
    checking six users costs one key derivation instead of six."""
    return make_password(DEMO_PASSWORD, salt="yingshangdemo2026")


def ensure_users(departments: dict[str, Department], enterprise: Enterprise) -> list[tuple[DemoLogin, User]]:
    password = demo_password_hash()
    users = []
    for login in DEMO_LOGINS:
        user = User.objects.filter(username=login.username).first() or User(username=login.username)
        values: dict[str, Any] = {
            "first_name": login.full_name,
            "role": login.role.value,
            "department_id": departments[login.department_code].pk if login.department_code else None,
            "enterprise_id": enterprise.pk if login.role == Role.ENTERPRISE else None,
            "is_active": True,
            "password": password,
        }
        _save_if_changed(user, values)
        users.append((login, user))
    return users


def _enterprise_from(
    entity: DemoEntity, districts: dict[str, District], streets: dict[tuple[str, str], Street]
) -> Enterprise:
    enterprise = Enterprise(
        uscc=entity.uscc,
        name=entity.name,
        entity_type=entity.entity_type,
        industry_id=entity.industry,
        district=districts[entity.district_code],
        street=streets[(entity.district_code, entity.street)] if entity.street else None,
        registered_on=entity.registered_on,
        registered_capital_fen=entity.registered_capital_fen,
        employees=entity.employees,
        annual_revenue_fen=entity.annual_revenue_fen,
        total_assets_fen=entity.total_assets_fen,
        tax_paid_fen=entity.tax_paid_fen,
        credit_class=entity.credit_class,
        status=entity.status,
        provenance=entity.provenance,
    )
    enterprise.derive_fields()  # bulk_create skips save(), where this normally happens
    return enterprise


def _qualification_rows(enterprise: Enterprise, entity: DemoEntity) -> Iterator[Qualification]:
    for q in entity.qualifications:
        yield Qualification(
            enterprise_id=enterprise.pk,
            kind=q.kind,
            level=q.level,
            certified_on=q.certified_on,
            expires_on=q.expires_on,
            source=q.source,
            as_of=AS_OF,
        )


def load_entities(
    n: int,
    districts: dict[str, District],
    streets: dict[tuple[str, str], Street],
    *,
    seed: int = SEED,
    progress: bool | None = None,
) -> tuple[int, int]:
    """Insert the demo entities not yet present; returns (entities created, qualifications created)."""
    present = set(Enterprise.objects.filter(district__code__in=DISTRICT_CODES).values_list("uscc", flat=True))
    created = qualified = 0
    pending: list[tuple[Enterprise, DemoEntity]] = []

    def flush() -> None:
        nonlocal created, qualified
        Enterprise.objects.bulk_create([e for e, _ in pending], batch_size=BATCH_SIZE)
        rows = [q for e, entity in pending for q in _qualification_rows(e, entity)]
        Qualification.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        created += len(pending)
        qualified += len(rows)
        pending.clear()

    # disable=None lets tqdm hide the bar when stderr is not a terminal.
    bar = tqdm(total=n, desc="市场主体", unit="户", disable=True if progress is False else None)
    with bar:
        for entity in generate_entities(n, seed):
            bar.update()
            if entity.uscc in present:
                continue
            pending.append((_enterprise_from(entity, districts, streets), entity))
            if len(pending) >= BATCH_SIZE:
                flush()
        if pending:
            flush()
    return created, qualified


def load_demo(
    entities: int = DEFAULT_ENTITIES,
    *,
    seed: int = SEED,
    progress: bool | None = None,
    on_step: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Build (or complete) the demo district in one transaction; a second call changes nothing."""
    step = on_step or (lambda _: None)
    if entities < 1:
        raise ValueError("演示市场主体数量至少为 1")
    with transaction.atomic():
        step("区县、街道与部门")
        districts, streets = ensure_places()
        departments = ensure_departments(districts)
        step("市场主体与资质")
        created, qualified = load_entities(entities, districts, streets, seed=seed, progress=progress)
        step("演示账号")
        showcase = Enterprise.objects.get(uscc=showcase_uscc())
        users = ensure_users(departments, showcase)
    return DemoSummary(
        entities_total=Enterprise.objects.filter(district__code__in=DISTRICT_CODES).count(),
        entities_created=created,
        qualifications_created=qualified,
        departments=len(departments),
        users=users,
    )
