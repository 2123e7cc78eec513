"""Random reward items and enterprise profiles for property tests (batch engine vs. calculator).

Profiles lean on the values the rules themselves mention (each threshold, one below and one above it,
window bounds and the day either side, the date exactly N years before the evaluation date), leave
fields out (unknown) often, and carry qualification records with missing levels, missing first
dates, expired or open validity, untracked kinds confirmed or not. Items cover every node type, every
amount kind and exclusivity groups with ties.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from decimal import Decimal

import yaml

from yingshang.policies.rules import ast
from yingshang.policies.rules.evaluate import years_cutoff
from yingshang.policies.rules.fields import FieldType, field_registry, qualification_kinds
from yingshang.policies.rules.model import Pack

D = dt.date
ONE_DAY = dt.timedelta(days=1)
SCOPES = ("餐饮服务；食品销售", "日用百货零售", "软件开发", "机械设备制造", "")
DISTRICTS = ("XX区", "YY区", "渭滨区")


def _day_edges(day: dt.date | None) -> list[dt.date]:
    return [] if day is None else [day - ONE_DAY, day, day + ONE_DAY]


def edge_values(packs: Iterable[Pack], as_of: dt.date) -> dict[str, list[object]]:
    """Per field (and "dates" for qualification records), the values where the rules change their mind."""
    edges: dict[str, list[object]] = {}

    def add(key: str, values: Iterable[object]) -> None:
        edges.setdefault(key, []).extend(values)

    def numeric(field: str, value: object) -> list[object]:
        if isinstance(value, Decimal):
            step = Decimal("0.000001")
            return [value.quantize(step) - step, value.quantize(step), value.quantize(step) + step]
        if isinstance(value, int) and not isinstance(value, bool):
            return [max(value - 1, 0), value, value + 1]
        return [value]

    for pack in packs:
        for policy, item in pack.items():
            ctx = policy.context(as_of)
            add("dates", _day_edges(policy.valid_from) + _day_edges(policy.valid_to) + _day_edges(as_of))
            for leaf in item.all_leaves():
                if isinstance(leaf, ast.HasQualification):
                    for window in (leaf.certified_within, leaf.first_certified_within):
                        if window is not None:
                            for day in ctx.window(window):
                                add("dates", _day_edges(day))
                    if isinstance(leaf.valid_on, dt.date):
                        add("dates", _day_edges(leaf.valid_on))
                elif isinstance(leaf, ast.Compare):
                    add(leaf.field, numeric(leaf.field, leaf.value))
                elif isinstance(leaf, ast.Between):
                    add(leaf.field, numeric(leaf.field, leaf.low) + numeric(leaf.field, leaf.high))
                elif isinstance(leaf, ast.Member):
                    add(leaf.field, leaf.values)
                elif isinstance(leaf, ast.InWindow):
                    for day in ctx.window(leaf.window):
                        add(leaf.field, _day_edges(day))
                elif isinstance(leaf, ast.YearsSince):
                    add(leaf.field, _day_edges(years_cutoff(as_of, leaf.years)))
            amount = item.amount
            if isinstance(amount, ast.Percentage | ast.PerUnit):
                add(amount.field, [0, 1])
                if amount.cap_fen:
                    add(amount.field, [amount.cap_fen, amount.cap_fen * 3])
    return edges


def _random_value(rng: random.Random, key: str, edges: dict[str, list[object]], as_of: dt.date) -> object:
    f = field_registry()[key]
    known = edges.get(key, [])
    if known and rng.random() < 0.6:
        value = rng.choice(known)
        if f.type is not FieldType.DATE or isinstance(value, dt.date):
            return value
    if f.type is FieldType.INT:
        return rng.choice([0, 1, 2, 5, 9, 10, 11, 50, 99, 100, 300])
    if f.type is FieldType.MONEY:
        return rng.choice(
            [0, 1, 5, 99, 100, 1_000_000, 99_999_999, 100_000_000, 10_000_000_000, rng.randrange(10**11)]
        )
    if f.type is FieldType.PERCENT:
        return Decimal(rng.randrange(-50_000_000, 150_000_000)) / 1_000_000
    if f.type is FieldType.DATE:
        if rng.random() < 0.5 and edges.get("dates"):
            return rng.choice(edges["dates"])
        return as_of - dt.timedelta(days=rng.randrange(-400, 12 * 366))
    if f.type is FieldType.BOOL:
        return rng.random() < 0.5
    if f.type is FieldType.ENUM:
        return rng.choice(f.choices)[0]
    if key == "business_scope":
        return rng.choice(SCOPES)
    if key == "district":
        return rng.choice(DISTRICTS)
    return rng.choice(["甲", "乙", "C39", "3911"])


def _random_record(
    rng: random.Random, kinds: Sequence[str], edges: dict[str, list[object]], as_of: dt.date
) -> dict:
    kind = qualification_kinds()[rng.choice(kinds)]
    dates: list[dt.date] = edges.get("dates") or [as_of]  # type: ignore[assignment]

    def day() -> dt.date:
        return (
            rng.choice(dates) if rng.random() < 0.7 else as_of - dt.timedelta(days=rng.randrange(-200, 3000))
        )

    record: dict[str, object] = {"kind": kind.code, "certified_on": day()}
    if kind.levels and rng.random() < 0.9:
        record["level"] = rng.choice(kind.levels)
    if rng.random() < 0.6:
        record["expires_on"] = rng.choice([as_of - ONE_DAY, as_of, as_of + ONE_DAY, day()])
    if rng.random() < 0.6:
        record["first_certified_on"] = day()
    return record


def random_profile(
    rng: random.Random, edges: dict[str, list[object]], as_of: dt.date, index: int = 0, unknown: float = 0.3
) -> dict[str, object]:
    """A profile dict as `calculate()` and `profiles_to_table()` take it (field keys, typed values)."""
    profile: dict[str, object] = {"uscc": f"9161030{index:011d}"}
    for key, f in field_registry().items():
        if f.type is FieldType.QUALIFICATIONS or key == "uscc" or rng.random() < unknown:
            continue
        profile[key] = _random_value(rng, key, edges, as_of)
    kinds = list(qualification_kinds())
    if rng.random() > 0.15:
        profile["qualifications"] = [
            _random_record(rng, kinds, edges, as_of) for _ in range(rng.choice([0, 0, 1, 2, 3, 4]))
        ]
    if rng.random() < 0.3:
        untracked = [k.code for k in qualification_kinds().values() if not k.tracked]
        profile["qualification_kinds_confirmed"] = rng.sample(untracked, rng.randrange(1, 5))
    return profile


# --- random items ---------------------------------------------------------------------------------

OPS = (">", ">=", "<", "=", "!=")
WINDOW_ENDS = ("2024-12-31", "2025-06-30")
_LEVEL_WORDS = {"national": "国家", "provincial": "省", "municipal": "市", "district": "区"}


def _condition(rng: random.Random, depth: int = 0) -> object:
    if depth < 2 and rng.random() < 0.2:
        group = rng.choice(["any", "all", "not"])
        children = [_condition(rng, depth + 1) for _ in range(1 if group == "not" else rng.randrange(1, 4))]
        return {group: children}
    choices = [
        lambda: f"从业人数 >= {rng.choice([1, 5, 10, 50, 100])}",
        lambda: f"从业人数 {rng.choice(['<', '<=', '=', '!=', '>'])} {rng.choice([0, 10, 20])}",
        lambda: f"年营业收入 不少于 {rng.choice(['1', '500', '2000', '12345.67'])}万元",
        lambda: f"注册资本 介于 {rng.choice([1, 10, 100])}万元 至 {rng.choice([100, 500, 1000])}万元",
        lambda: f"裁员率 <= {rng.choice(['5.5', '0', '3.333333', '2.1234567', '10'])}%",
        lambda: f"营业收入增长率 {rng.choice(OPS)} {rng.choice(['10', '-3', '0.0000005', '20'])}%",
        lambda: "成立日期 在 本政策有效期内",
        lambda: f"成立日期 在 {rng.choice(['2020-01-01', '2023-06-30'])} 至 {rng.choice(WINDOW_ENDS)}",
        lambda: f"成立日期 {rng.choice(['未满', '满'])} {rng.choice([1, 3, 5])} 年",
        lambda: f"成立日期 {rng.choice(['不早于', '早于', '晚于'])} 2021-06-30",
        lambda: f"经营范围 包含 {rng.choice(['餐饮', '零售', '软件'])}",
        lambda: f"所在区县 {rng.choice(['=', '!='])} XX区",
        lambda: f"所在区县 属于 {rng.choice(['XX区、YY区', 'YY区'])}",
        lambda: f"企业规模 {rng.choice(['属于 小型、微型', '不属于 大型', '为 中型'])}",
        lambda: f"严重失信主体 = {rng.choice(['否', '是'])}",
        lambda: f"纳税信用等级 属于 {rng.choice(['A级、B级', 'M级'])}",
        lambda: f"登记状态 不属于 {rng.choice(['注销、吊销', '注销'])}",
        lambda: f"信用风险分类 {rng.choice(['=', '!='])} A类",
        lambda: f"研发费用 >= {rng.choice(['100', '0.01'])}万元",
        lambda: f"新增就业人数 > {rng.choice([0, 3])}",
        lambda: f"行业门类 为 {rng.choice(['制造业', '批发和零售业'])}",
        _qualification_condition(rng),
        _qualification_condition(rng),
    ]
    return rng.choice(choices)()


def _window(rng: random.Random) -> object:
    return rng.choice(
        ["policy_validity", ["2024-01-01", "2025-06-30"], [None, "2024-12-31"], ["2025-01-01", None]]
    )


def _qualification_condition(rng: random.Random):  # a thunk, drawn like the other conditions
    def make() -> dict[str, object]:
        kind = rng.choice(list(qualification_kinds().values()))
        spec: dict[str, object] = {"qualification": kind.label}
        if kind.levels and rng.random() < 0.5:
            spec["level"] = [
                _LEVEL_WORDS[level]
                for level in rng.sample(kind.levels, rng.randrange(1, len(kind.levels) + 1))
            ]
        if rng.random() < 0.6:
            spec["certified_within"] = _window(rng)
        if rng.random() < 0.3:
            spec["first_certified_within"] = _window(rng)
        if rng.random() < 0.3:
            spec["valid_on"] = rng.choice(["评估日", "2025-01-01"])
        return spec

    return make


def _amount(rng: random.Random) -> object:
    kind = rng.choice(["fixed", "fixed", "by_level", "percent", "per_unit"])
    if kind == "fixed":
        return rng.choice(["1万元", "5万元", "5万元", "10万元", "0.01元", "1234.56元"])
    if kind == "by_level":
        kind_ = rng.choice([k for k in qualification_kinds().values() if k.levels])
        tiers = {_LEVEL_WORDS[level]: f"{rng.choice([1, 5, 10, 30])}万元" for level in kind_.levels}
        spec: dict[str, object] = {"qualification": kind_.label, "tiers": tiers}
        if rng.random() < 0.5:
            spec["certified_within"] = _window(rng)
        return {"by_level": spec}
    if kind == "percent":
        field = rng.choice(["研发费用", "失业保险缴费额", "年房租支出", "年纳税额"])
        amount: dict[str, object] = {
            "percent_of": field,
            "rate": rng.choice(["10%", "12.5%", "33.33%", "60%", "0.001%"]),
        }
        if rng.random() < 0.6:
            amount["cap"] = rng.choice(["1万元", "50万元"])
        return amount
    amount = {
        "per_unit": rng.choice(["新增就业人数", "吸纳高校毕业生人数", "从业人数"]),
        "each": rng.choice(["1000元", "1500元"]),
    }
    if rng.random() < 0.5:
        amount["max_units"] = rng.choice([5, 50])
    if rng.random() < 0.5:
        amount["cap"] = "3万元"
    return amount


def random_pack_text(rng: random.Random, items: int, pack_id: str = "random_items") -> str:
    """A valid pack of `items` random reward items in two policies (different validity windows)."""
    policies = []
    for p, (start, end) in enumerate([("2024-01-01", "2026-12-31"), ("2025-03-01", None)]):
        policy_items = []
        for i in range(items // 2 + (p == 0 and items % 2)):
            item: dict[str, object] = {
                "id": f"{pack_id}_{p}_{i}",
                "title": f"随机奖励项{p}-{i}",
                "mode": rng.choice(["免申即享", "快申快享", "申报"]),
                "conditions": [_condition(rng) for _ in range(rng.randrange(1, 4))],
                "amount": _amount(rng),
            }
            if rng.random() < 0.6:
                item["targets"] = rng.sample(["企业", "个体工商户", "农民专业合作社"], rng.randrange(1, 3))
            if rng.random() < 0.4:
                item["exclusivity_group"] = rng.choice(["甲组", "乙组", "丙组"])
            policy_items.append(item)
        policy: dict[str, object] = {
            "id": f"{pack_id}_policy_{p}",
            "title": f"随机政策{p}",
            "valid_from": start,
            "items": policy_items,
        }
        if end:
            policy["valid_to"] = end
        policies.append(policy)
    return yaml.safe_dump(
        {"id": pack_id, "title": "随机奖励项", "policies": policies}, allow_unicode=True, sort_keys=False
    )
