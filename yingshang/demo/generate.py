"""The demo district's market entities, drawn from its tables (tables.py). Plain Python, no Django.

`generate_entities` is driven by one seeded `random.Random`: the same seed gives the same district every
time, and entity i never depends on how many entities were asked for, so a small demo is a prefix of
the big one.

Shares follow a real district's registry: about three quarters 个体工商户 (shops, food, personal
services), a quarter 企业 with an industrial core (titanium, machinery, railway equipment), 1% 农民专业合作社
in the towns. Figures are log-normal; some are missing on purpose, so "unknown" shows up as it does in
real data. Qualifications follow national rates (高新技术企业 about 1% of all entities).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from yingshang.demo.tables import (
    AS_OF,
    BRAND_HEADS,
    BRAND_TAILS,
    COOPERATIVE_TRADES,
    DEFAULT_ENTITIES,
    DISTRICTS,
    DIVISION_ECONOMICS,
    ENTERPRISE_TRADES,
    FEN_PER_WAN,
    GIVEN_NAMES,
    INDIVIDUAL_TRADES,
    LOCAL_BRANDS,
    ROADS,
    SECTION_ECONOMICS,
    SEED,
    SINGLE_GIVEN_NAMES,
    SOCIAL_SECURITY_AS_OF,
    SURNAMES,
    TAX_YEAR_END,
    DemoDistrict,
    Trade,
)
from yingshang.registry.industries import section_of


def _brand(rng: random.Random) -> str:
    if rng.random() < 0.08:
        return rng.choice(LOCAL_BRANDS)
    head = rng.choice(BRAND_HEADS)
    tail = rng.choice(BRAND_TAILS)
    return head + (tail if tail != head else rng.choice(BRAND_TAILS.replace(head, "")))


def _enterprise_name(rng: random.Random, district: DemoDistrict, words: tuple[str, ...]) -> str:
    brand, trade = _brand(rng), rng.choice(words)
    roll = rng.random()
    if roll < 0.45:
        return f"宝鸡{brand}{trade}有限公司"
    if roll < 0.65:
        return f"宝鸡市{district.name}{brand}{trade}有限公司"
    if roll < 0.80:
        return f"陕西{brand}{trade}有限公司"
    if roll < 0.90:
        return f"宝鸡{brand}{trade}有限责任公司"
    if roll < 0.93:
        return f"宝鸡{brand}{trade}股份有限公司"
    return f"{brand}（宝鸡）{trade}有限公司"


def _shop_name(rng: random.Random, district: DemoDistrict, words: tuple[str, ...]) -> str:
    roll = rng.random()
    if roll < 0.25:
        keeper = "老" + rng.choice(SURNAMES)
    elif roll < 0.45:
        keeper = rng.choice(SURNAMES) + "记"
    elif roll < 0.65:
        # A shop is named after its keeper: "秀芳" alone, or surname and a one-character name, "王伟".
        if rng.random() < 0.5:
            keeper = rng.choice(GIVEN_NAMES)
        else:
            keeper = rng.choice(SURNAMES) + rng.choice(SINGLE_GIVEN_NAMES)
    elif roll < 0.80:
        keeper = rng.choice(ROADS)
    else:
        keeper = _brand(rng)
    prefix = district.name if rng.random() < 0.7 else f"宝鸡市{district.name}"
    return f"{prefix}{keeper}{rng.choice(words)}"


def _cooperative_name(
    rng: random.Random, district: DemoDistrict, town: str | None, words: tuple[str, ...]
) -> str:
    return f"宝鸡市{district.name}{town or ''}{_brand(rng)}{rng.choice(words)}专业合作社"


# ---------------------------------------------------------------------------------------------------
# Codes
# ---------------------------------------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# The 9-character 主体标识码 keeps the GB 11714 check character of the old 组织机构代码.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_VALUES = {c: int(c, 36) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def org_code_check(body: str) -> str:
    """GB 11714 check character for the first 8 characters of a 组织机构代码."""
    remainder = 11 - sum(_ORG_VALUES[c] * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else "0" if remainder == 11 else str(remainder)


def _issue_batch(year: int) -> str:
    """Shaanxi's new-style codes start MA6 plus a letter that moved on as batches were used up."""
    return "W" if year < 2018 else "X" if year < 2020 else "Y" if year < 2023 else "H"


_DIGITS = "0123456789"


def _org_code(rng: random.Random, registered_on: dt.date, old_style: bool) -> str:
    if old_style:  # registered before the 2015 reform: an 8-digit 组织机构代码
        body = rng.choice("2567") + "".join(rng.choices(_DIGITS, k=7))
    else:
        body = "MA6" + _issue_batch(registered_on.year) + "".join(rng.choices(USCC_ALPHABET, k=4))
    return body + org_code_check(body)


_USCC_VALUES = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_with_check(body: str) -> str:
    """`testing.make_uscc` without stdnum's input cleaning: the demo makes a million of these."""
    total = sum(_USCC_VALUES[c] * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + USCC_ALPHABET[-total % 31]


USCC_PREFIX = {"enterprise": "91", "individual": "92", "cooperative": "93"}
REFORM_DAY = dt.date(2015, 10, 1)  # 三证合一: codes issued from here on are new-style

# ---------------------------------------------------------------------------------------------------
# Entities
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoQualification:
    kind: str
    level: str
    certified_on: dt.date
    expires_on: dt.date | None
    source: str


@dataclass(slots=True)
class DemoEntity:
    uscc: str
    name: str
    entity_type: str
    industry: str
    district_code: str
    street: str | None
    registered_on: dt.date
    registered_capital_fen: int | None
    employees: int | None
    annual_revenue_fen: int | None
    total_assets_fen: int | None
    tax_paid_fen: int | None
    credit_class: str
    status: str
    provenance: dict[str, dict[str, str]]
    qualifications: list[DemoQualification] = field(default_factory=list)


REGISTRATION_SOURCE = "市场监管局登记信息"
TAX_SOURCE = "税务局纳税信息"
SOCIAL_SECURITY_SOURCE = "人社局社保参保人数"
CREDIT_SOURCE = "市场监管局信用风险分类结果"
_REGISTRATION_FIELDS = ("name", "entity_type", "industry", "district", "registered_on", "status")
_ORIGINS: dict[str, tuple[str, dt.date]] = {
    "street": (REGISTRATION_SOURCE, AS_OF),
    "registered_capital_fen": (REGISTRATION_SOURCE, AS_OF),
    "employees": (SOCIAL_SECURITY_SOURCE, SOCIAL_SECURITY_AS_OF),
    "annual_revenue_fen": (TAX_SOURCE, TAX_YEAR_END),
    "total_assets_fen": (TAX_SOURCE, TAX_YEAR_END),
    "tax_paid_fen": (TAX_SOURCE, TAX_YEAR_END),
    "credit_class": (CREDIT_SOURCE, AS_OF),
}
_provenance_cache: dict[tuple[str, ...], dict[str, dict[str, str]]] = {}


def provenance_for(known: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Where each known field came from; a missing value has no source. Shared, so never mutate it."""
    cached = _provenance_cache.get(known)
    if cached is None:
        cached = {
            f: {"source": REGISTRATION_SOURCE, "as_of": AS_OF.isoformat()} for f in _REGISTRATION_FIELDS
        }
        for name in known:
            source, as_of = _ORIGINS[name]
            cached[name] = {"source": source, "as_of": as_of.isoformat()}
        _provenance_cache[known] = cached
    return cached


class _Weighted:
    """Weighted choice over a fixed table with one random draw (bisect on cumulative weights)."""

    def __init__(self, items: tuple[Any, ...], weights: tuple[float, ...]) -> None:
        self.items = items
        total = 0.0
        self.cumulative: list[float] = []
        for weight in weights:
            total += weight
            self.cumulative.append(total)

    def pick(self, rng: random.Random) -> Any:
        index = bisect(self.cumulative, rng.random() * self.cumulative[-1])
        return self.items[min(index, len(self.items) - 1)]


def _trades(table: tuple[Trade, ...]) -> _Weighted:
    return _Weighted(tuple((code, words) for code, _, words in table), tuple(w for _, w, _ in table))


_INDIVIDUAL = _trades(INDIVIDUAL_TRADES)
_ENTERPRISE = _trades(ENTERPRISE_TRADES)
_COOPERATIVE = _trades(COOPERATIVE_TRADES)
_DISTRICT = _Weighted(DISTRICTS, tuple(d.share for d in DISTRICTS))
_STREETS = {
    d.code: _Weighted(tuple(n for n, _ in d.streets), tuple(w for _, w in d.streets)) for d in DISTRICTS
}
_TOWNS = {
    d.code: _Weighted(
        tuple(n for n, _ in d.streets if n.endswith("镇")), tuple(w for n, w in d.streets if n.endswith("镇"))
    )
    for d in DISTRICTS
}
# Registrations grew about 12% a year; 2026 counts only up to AS_OF.
_YEARS = _Weighted(
    tuple(range(1995, AS_OF.year + 1)),
    tuple(
        math.exp(0.12 * (y - 1995)) * (AS_OF.timetuple().tm_yday / 365 if y == AS_OF.year else 1)
        for y in range(1995, AS_OF.year + 1)
    ),
)
_CREDIT = _Weighted(("A", "B", "C", "D"), (30, 60, 8, 2))


def _registration_day(rng: random.Random, first_year: int = 1995) -> dt.date:
    year = _YEARS.pick(rng)
    while year < first_year:
        year = _YEARS.pick(rng)
    start = dt.date(year, 1, 1)
    last = min(dt.date(year, 12, 31), AS_OF)
    return start + dt.timedelta(days=rng.randrange((last - start).days + 1))


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(median), sigma)


def _nice_capital_fen(amount_wan: float) -> int:
    """Registered capital is a round figure: 1, 2, 3 or 5 × 10^k 万元."""
    exponent = math.floor(math.log10(max(amount_wan, 1)))
    base = 10**exponent
    mantissa = min((1, 2, 3, 5, 10), key=lambda m: abs(m * base - amount_wan))
    return int(mantissa * base * FEN_PER_WAN)


def _wan_to_fen(amount_wan: float) -> int:
    return int(amount_wan * 10_000) * 100  # whole yuan


@dataclass(slots=True)
class _Figures:
    employees: int
    revenue_wan: float
    assets_wan: float
    tax_wan: float
    capital_fen: int | None


def _figures(rng: random.Random, entity_type: str, code: str, section: str) -> _Figures:
    if entity_type == "individual":
        employees = max(1, round(_lognormal(rng, 2, 0.6)))
        revenue = _lognormal(rng, 20, 0.9)
        tax = 0.0 if rng.random() < 0.6 else revenue * _lognormal(rng, 0.01, 0.5)
        return _Figures(employees, revenue, revenue * _lognormal(rng, 0.5, 0.6), tax, None)
    if entity_type == "cooperative":
        employees = max(1, round(_lognormal(rng, 5, 0.7)))
        revenue = _lognormal(rng, 50, 1.0)
        capital = _nice_capital_fen(_lognormal(rng, 100, 1.0))
        return _Figures(employees, revenue, revenue * _lognormal(rng, 1.5, 0.5), 0.0, capital)
    economics = DIVISION_ECONOMICS.get(code[:2]) or SECTION_ECONOMICS[section]
    staff_median, per_capita, asset_ratio, tax_rate = economics
    employees = max(1, round(_lognormal(rng, staff_median, 1.0)))
    revenue = employees * _lognormal(rng, per_capita, 0.6)
    assets = revenue * _lognormal(rng, asset_ratio, 0.6)
    tax = 0.0 if rng.random() < 0.15 else min(revenue * 0.2, revenue * _lognormal(rng, tax_rate, 0.6))
    capital = _nice_capital_fen(_lognormal(rng, 100, 1.3))
    return _Figures(employees, revenue, assets, tax, capital)


# Chance that a figure is missing from the departments' data: (employees, revenue, assets, tax).
_MISSING = {
    "individual": (0.10, 0.35, 0.50, 0.30),
    "enterprise": (0.08, 0.12, 0.15, 0.12),
    "cooperative": (0.15, 0.30, 0.40, 0.30),
}


@dataclass
class _Counters:
    """Running counts the generator needs to stay prefix-stable (used codes, little giants so far)."""

    used: set[str] = field(default_factory=set)
    little_giants: int = 0


def _unique_uscc(
    rng: random.Random, entity_type: str, district: str, registered_on: dt.date, c: _Counters
) -> str:
    old_style = entity_type == "enterprise" and registered_on < REFORM_DAY
    while True:
        uscc = uscc_with_check(USCC_PREFIX[entity_type] + district + _org_code(rng, registered_on, old_style))
        if uscc not in c.used:
            c.used.add(uscc)
            return uscc


_SECTION_OF: dict[str, str] = {}


def _section_cached(code: str) -> str:
    section = _SECTION_OF.get(code)
    if section is None:
        section = _SECTION_OF[code] = section_of(code)
    return section


def generate_entities(n: int = DEFAULT_ENTITIES, seed: int = SEED) -> Iterator[DemoEntity]:
    """The first n entities of the demo district for this seed."""
    rng = random.Random(seed)
    counters = _Counters()
    for index in range(n):
        yield _showcase(counters) if index == 0 else _entity(rng, counters)


def _entity(rng: random.Random, counters: _Counters) -> DemoEntity:
    roll = rng.random()
    entity_type = "individual" if roll < 0.75 else "enterprise" if roll < 0.99 else "cooperative"
    district = _DISTRICT.pick(rng)
    street, code, words, registered_on = _registration(rng, entity_type, district)
    section = _section_cached(code)
    name = _name(rng, entity_type, district, street, words)
    uscc = _unique_uscc(rng, entity_type, district.code, registered_on, counters)
    figures = _figures(rng, entity_type, code, section)
    status_roll = rng.random()
    status = "active" if status_roll < 0.90 else "deregistered" if status_roll < 0.97 else "revoked"
    credit = "" if rng.random() < 0.05 else _CREDIT.pick(rng)
    if rng.random() < 0.03:
        street = None  # the address could not be placed in a street
    employees, revenue, assets, tax = _reported(rng, entity_type, registered_on, figures)
    values = {
        "street": street,
        "registered_capital_fen": figures.capital_fen,
        "employees": employees,
        "annual_revenue_fen": revenue,
        "total_assets_fen": assets,
        "tax_paid_fen": tax,
        "credit_class": credit or None,
    }
    entity = DemoEntity(
        uscc=uscc,
        name=name,
        entity_type=entity_type,
        industry=code,
        district_code=district.code,
        street=street,
        registered_on=registered_on,
        registered_capital_fen=figures.capital_fen,
        employees=employees,
        annual_revenue_fen=revenue,
        total_assets_fen=assets,
        tax_paid_fen=tax,
        credit_class=credit,
        status=status,
        provenance=provenance_for(tuple(f for f, value in values.items() if value is not None)),
    )
    if status == "active" and entity_type == "enterprise":
        entity.qualifications = _qualifications(rng, entity, section, figures, counters)
    return entity


def _registration(
    rng: random.Random, entity_type: str, district: DemoDistrict
) -> tuple[str, str, tuple[str, ...], dt.date]:
    """Street, trade (小类 code and name words) and registration day."""
    if entity_type == "cooperative":
        street = _TOWNS[district.code].pick(rng)
        code, words = _COOPERATIVE.pick(rng)
        registered_on = _registration_day(rng, first_year=2008)  # 农民专业合作社法 took effect 2007-07-01
    else:
        street = _STREETS[district.code].pick(rng)
        code, words = (_INDIVIDUAL if entity_type == "individual" else _ENTERPRISE).pick(rng)
        registered_on = _registration_day(rng)
    if code[:2] in ("01", "03") and entity_type == "individual":
        street = _TOWNS[district.code].pick(rng)  # farms are in the towns
    return street, code, words, registered_on


def _name(
    rng: random.Random, entity_type: str, district: DemoDistrict, street: str, words: tuple[str, ...]
) -> str:
    if entity_type == "enterprise":
        return _enterprise_name(rng, district, words)
    if entity_type == "individual":
        return _shop_name(rng, district, words)
    return _cooperative_name(rng, district, street, words)


def _reported(
    rng: random.Random, entity_type: str, registered_on: dt.date, figures: _Figures
) -> tuple[int | None, int | None, int | None, int | None]:
    """The figures as the departments' data has them: some missing, none for a tax year not yet closed."""
    miss_staff, miss_revenue, miss_assets, miss_tax = _MISSING[entity_type]
    new_this_year = registered_on.year >= AS_OF.year
    employees = None if rng.random() < miss_staff else figures.employees
    revenue = None if new_this_year or rng.random() < miss_revenue else _wan_to_fen(figures.revenue_wan)
    assets = None if new_this_year or rng.random() < miss_assets else _wan_to_fen(figures.assets_wan)
    tax = None if new_this_year or rng.random() < miss_tax else _wan_to_fen(figures.tax_wan)
    return employees, revenue, assets, tax


# ---------------------------------------------------------------------------------------------------
# Qualifications
# ---------------------------------------------------------------------------------------------------

HNTE_SOURCE = "科技部门高新技术企业认定名单"
TECH_SME_SOURCE = "科技型中小企业评价入库名单"
MIIT_SOURCE = "工信局认定名单"
STATS_INDUSTRY_SOURCE = "统计局规模以上工业企业名录"
STATS_TRADE_SOURCE = "统计局限额以上商贸企业名录"
# Announcement days of recent batches (the certificate date of a batch is shared by its firms).
HNTE_BATCHES = (dt.date(2022, 11, 2), dt.date(2023, 11, 29), dt.date(2024, 12, 11), dt.date(2025, 11, 20))
TECH_SME_BATCHES = (dt.date(2025, 6, 30), dt.date(2026, 4, 15), dt.date(2026, 6, 30), dt.date(2026, 9, 15))
INNOVATIVE_BATCHES = (dt.date(2023, 9, 15), dt.date(2024, 9, 20), dt.date(2025, 9, 18))
SRDI_BATCHES = (dt.date(2023, 10, 12), dt.date(2024, 10, 18), dt.date(2025, 10, 16))
LITTLE_GIANT_BATCHES = (dt.date(2023, 7, 28), dt.date(2024, 8, 9), dt.date(2025, 7, 25))
CHAMPION_BATCHES = (dt.date(2023, 11, 24), dt.date(2024, 12, 27))
# Revenue floors for the statistical 名录库, in fen.
ABOVE_SCALE_INDUSTRY_FEN = 2_000 * FEN_PER_WAN
ABOVE_QUOTA_FEN = {
    "51": 2_000 * FEN_PER_WAN,
    "52": 500 * FEN_PER_WAN,
    "61": 200 * FEN_PER_WAN,
    "62": 200 * FEN_PER_WAN,
}
INDUSTRIAL_SECTIONS = frozenset("BCD")
TECH_SECTIONS = frozenset("CIM")
# Chance per active 企业 in a tech section, tuned so the shares of all entities come out at
# 高新技术企业 ≈1%, 科技型中小企业 ≈1.5%, 创新型中小企业 ≈0.6%, 专精特新 ≈0.3%, 小巨人 ≈0.03%.
P_HNTE = 0.2
P_TECH_SME = 0.27
P_INNOVATIVE = 0.125
P_SRDI = 0.25  # among manufacturers that hold 高新技术企业 or 科技型中小企业
P_LITTLE_GIANT = 0.18  # among 专精特新
CHAMPION_EVERY = 3  # every third 小巨人 is also a 制造业单项冠军


def _years_later(day: dt.date, years: int) -> dt.date:
    """The day before the same date `years` on: a certificate valid for that many years."""
    try:
        return day.replace(year=day.year + years) - dt.timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _batch_after(rng: random.Random, batches: tuple[dt.date, ...], registered_on: dt.date) -> dt.date | None:
    eligible = [b for b in batches if b > registered_on + dt.timedelta(days=365)]
    return rng.choice(eligible) if eligible else None


def _qualifications(
    rng: random.Random, e: DemoEntity, section: str, figures: _Figures, counters: _Counters
) -> list[DemoQualification]:
    quals: list[DemoQualification] = []
    revenue_fen = _wan_to_fen(figures.revenue_wan)
    size_factor = 0.5 if figures.employees < 10 else 1.6
    sme = figures.employees < 500 and figures.revenue_wan < 20_000

    def grant(kind: str, level: str, batches: tuple[dt.date, ...], years: int | None, source: str) -> bool:
        day = _batch_after(rng, batches, e.registered_on)
        if day is None:
            return False
        expires = _years_later(day, years) if years else dt.date(day.year, 12, 31)
        quals.append(DemoQualification(kind, level, day, expires, source))
        return True

    hnte = tech_sme = False
    if section in TECH_SECTIONS:
        if rng.random() < P_HNTE * size_factor:
            hnte = grant("hnte", "national", HNTE_BATCHES, 3, HNTE_SOURCE)
        if sme and rng.random() < P_TECH_SME * size_factor:
            tech_sme = grant("tech_sme", "provincial", TECH_SME_BATCHES, None, TECH_SME_SOURCE)
        if sme and rng.random() < P_INNOVATIVE:
            grant("innovative_sme", "provincial", INNOVATIVE_BATCHES, 3, MIIT_SOURCE)
    if section == "C" and (hnte or tech_sme) and sme and rng.random() < P_SRDI:
        grant("srdi_sme", "provincial", SRDI_BATCHES, 3, MIIT_SOURCE)
        if rng.random() < P_LITTLE_GIANT and grant(
            "little_giant", "national", LITTLE_GIANT_BATCHES, 3, MIIT_SOURCE
        ):
            counters.little_giants += 1
            if counters.little_giants % CHAMPION_EVERY == 1:
                grant("single_champion", "national", CHAMPION_BATCHES, 3, MIIT_SOURCE)
    # The statistical 名录库 follow from the figures; an unknown revenue decides nothing.
    if e.annual_revenue_fen is not None:
        year = max(e.registered_on.year + 1, 2011)
        if year <= AS_OF.year:
            entered = dt.date(rng.randint(year, AS_OF.year), 1, 1)
            if section in INDUSTRIAL_SECTIONS and revenue_fen >= ABOVE_SCALE_INDUSTRY_FEN:
                quals.append(
                    DemoQualification(
                        "above_scale_industry", "provincial", entered, None, STATS_INDUSTRY_SOURCE
                    )
                )
            floor = ABOVE_QUOTA_FEN.get(e.industry[:2])
            if floor is not None and revenue_fen >= floor:
                quals.append(
                    DemoQualification("above_quota_trade", "provincial", entered, None, STATS_TRADE_SOURCE)
                )
    return quals


def _showcase(counters: _Counters) -> DemoEntity:
    """Entity 0: a titanium maker in 姜谭 with the qualifications a policy demo needs; the demo
    enterprise user is bound to it."""
    uscc = uscc_with_check("91610302" + "22060418" + org_code_check("22060418"))
    counters.used.add(uscc)
    known = tuple(_ORIGINS)
    return DemoEntity(
        uscc=uscc,
        name="宝鸡渭源钛材科技有限公司",
        entity_type="enterprise",
        industry="3254",
        district_code="610302",
        street="姜谭街道",
        registered_on=dt.date(2009, 6, 18),
        registered_capital_fen=5_000 * FEN_PER_WAN,
        employees=326,
        annual_revenue_fen=23_600 * FEN_PER_WAN,
        total_assets_fen=31_800 * FEN_PER_WAN,
        tax_paid_fen=_wan_to_fen(742.5),
        credit_class="A",
        status="active",
        provenance=provenance_for(known),
        qualifications=[
            DemoQualification(
                "hnte", "national", HNTE_BATCHES[2], _years_later(HNTE_BATCHES[2], 3), HNTE_SOURCE
            ),
            DemoQualification(
                "srdi_sme", "provincial", SRDI_BATCHES[1], _years_later(SRDI_BATCHES[1], 3), MIIT_SOURCE
            ),
            DemoQualification(
                "above_scale_industry", "provincial", dt.date(2014, 1, 1), None, STATS_INDUSTRY_SOURCE
            ),
        ],
    )


def showcase_uscc() -> str:
    """The USCC of entity 0, the showcase enterprise the demo's enterprise login belongs to."""
    return next(generate_entities(1)).uscc
