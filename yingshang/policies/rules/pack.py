"""Loading policy packs (YAML) into validated Packs, or into a list of Chinese errors with places.

A pack is accepted only when every policy, item, condition, amount and embedded test case reads
cleanly and every case passes. `replace_working_pack` is the one way a running system should swap
packs: with any error the working pack stays in place.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from yingshang.core.money import format_amount
from yingshang.policies.rules import ast
from yingshang.policies.rules.amounts import MAX_BUDGET_FEN, MAX_ITEM_AMOUNT_FEN, read_amount
from yingshang.policies.rules.cases import run_pack_cases
from yingshang.policies.rules.errors import Place, RuleError, RuleSyntaxError
from yingshang.policies.rules.fields import field_registry, level_label, qualification_kinds
from yingshang.policies.rules.model import Case, Expectation, Item, Mode, Pack, Policy, Verdict
from yingshang.policies.rules.parser import check_window_order, read_conditions
from yingshang.policies.rules.values import parse_date, parse_money
from yingshang.policies.rules.yamlio import LineDict, line_of, load_yaml

PACKS_DIR = Path(__file__).resolve().parent.parent / "packs"

PACK_KEYS = ("id", "title", "district", "note", "policies")
POLICY_KEYS = (
    "id", "title", "issuer", "doc_number", "published_on", "valid_from", "valid_to",
    "source", "source_note", "note", "cases_as_of", "department", "items", "cases",
)  # fmt: skip
ITEM_KEYS = (
    "id", "title", "article", "targets", "conditions", "amount", "mode", "exclusivity_group",
    "budget_cap", "tags", "valid_from", "valid_to", "source_text", "note", "version", "department",
    "cases",
)  # fmt: skip
CASE_KEYS = ("id", "as_of", "profile", "expect", "note")
ITEM_EXPECT_KEYS = ("verdict", "amount", "mode", "reasons", "codes")
POLICY_EXPECT_KEYS = ("payable", "total")
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")

T = TypeVar("T")
CEILING_SETTING = "YINGSHANG_ITEM_AMOUNT_CEILING_YUAN"


@dataclass(frozen=True)
class Checks:
    """What a pack must agree with that the engine cannot know itself (it reads no database): the
    platform passes it in when a pack is checked, uploaded or edited.

    `districts`: the known 区县 names; the pack's `district` and every `所在区县` value in a condition
    must be one of them. None: not checked (no district list at hand).
    `amount_ceiling_fen`: the most one item may pay one enterprise (a fixed amount, a tier, a cap, a
    per-unit amount); never above the engine's own MAX_ITEM_AMOUNT_FEN."""

    districts: frozenset[str] | None = None
    amount_ceiling_fen: int = MAX_ITEM_AMOUNT_FEN

    @classmethod
    def of(cls, districts: Collection[str] | None = None, amount_ceiling_fen: int | None = None) -> Checks:
        ceiling = min(amount_ceiling_fen or MAX_ITEM_AMOUNT_FEN, MAX_ITEM_AMOUNT_FEN)
        return cls(None if districts is None else frozenset(districts), ceiling)


@dataclass
class PackReader:
    file: str = ""
    errors: list[RuleError] = field(default_factory=list)
    item_ids: dict[str, int | None] = field(default_factory=dict)
    checks: Checks = field(default_factory=Checks)
    district: str = ""  # the pack's district while its items are read

    # --- helpers ----------------------------------------------------------------------------------

    def note(self, code: str, message: str, place: Place, line: int | None = None) -> None:
        self.errors.append(RuleError(code, message, place.at_line(line)))

    def guard(self, place: Place, line: int | None, read: Callable[[], T]) -> T | None:
        try:
            return read()
        except RuleSyntaxError as exc:
            self.note(exc.code, exc.message, place, exc.line or line)
            return None

    def mapping(self, raw: object, what: str, place: Place, line: int | None) -> LineDict | None:
        if isinstance(raw, dict):
            return raw  # type: ignore[return-value]
        self.note("syntax.mapping", f"{what}应是“键: 值”的映射", place, line)
        return None

    def check_keys(self, raw: LineDict, allowed: tuple[str, ...], place: Place) -> None:
        for key in raw:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=3, cutoff=0.5)
                hint = f"，是否想写：{'、'.join(close)}" if close else f"，可用：{'、'.join(allowed)}"
                self.note("syntax.key", f"未知的键“{key}”{hint}", place, line_of(raw, key))

    def required_text(self, raw: LineDict, key: str, what: str, place: Place) -> str:
        value = raw.get(key)
        if value is None or not str(value).strip():
            self.note("syntax.missing", f"缺少{what}（{key}）", place, line_of(raw))
            return ""
        return str(value).strip()

    def identifier(self, raw: LineDict, what: str, place: Place) -> str:
        value = self.required_text(raw, "id", f"{what}编号", place)
        if value and not ID_RE.match(value):
            self.note(
                "syntax.id",
                f"{what}编号“{value}”只能用小写英文字母、数字和下划线，并以字母开头",
                place,
                line_of(raw, "id"),
            )
        return value

    def date_at(self, raw: LineDict, key: str, place: Place) -> dt.date | None:
        if raw.get(key) is None:
            return None
        return self.guard(place, line_of(raw, key), lambda: parse_date(raw[key]))

    def window(self, raw: LineDict, place: Place) -> tuple[dt.date | None, dt.date | None]:
        start, end = self.date_at(raw, "valid_from", place), self.date_at(raw, "valid_to", place)
        self.guard(place.within("有效期"), line_of(raw, "valid_to"), lambda: check_window_order(start, end))
        return start, end

    # --- pack and policies ------------------------------------------------------------------------

    def pack(self, text: str) -> Pack | None:
        raw = self.guard(Place(self.file), None, lambda: load_yaml(text))
        if self.errors:
            return None
        top = self.mapping(raw, "政策包", Place(self.file), None)
        if top is None:
            return None
        place = Place(self.file)
        self.check_keys(top, PACK_KEYS, place)
        pack_id = self.identifier(top, "政策包", place)
        title = self.required_text(top, "title", "政策包名称", place)
        self.district = self.pack_district(top, place)
        raw_policies = top.get("policies")
        if not isinstance(raw_policies, list) or not raw_policies:
            self.note("syntax.missing", "政策包中没有政策（policies）", place, line_of(top, "policies"))
            return None
        policies = [self.policy(p, line_of(raw_policies, i)) for i, p in enumerate(raw_policies)]
        if self.errors:
            return None
        text_hash = hashlib.sha256(text.encode()).hexdigest()[:16]
        return Pack(pack_id, title, tuple(p for p in policies if p), self.file, text_hash, self.district)

    def pack_district(self, top: LineDict, place: Place) -> str:
        """The district whose pack this is (`district: 渭滨区`): its items pay only enterprises
        registered there. Without it the pack is the city's and covers every district."""
        raw = top.get("district")
        if raw is None:
            return ""
        line = line_of(top, "district")
        if not isinstance(raw, str) or not raw.strip():
            self.note("syntax.district", "适用区县（district）应是一个区县名称，如 渭滨区", place, line)
            return ""
        name = raw.strip()
        problem = self.unknown_district(name)
        if problem:
            self.note("value.district", f"适用区县（district）{problem}", place, line)
        return name

    def unknown_district(self, name: str) -> str:
        """ "" when `name` is a known district (or none are known); else what is wrong, in Chinese."""
        known = self.checks.districts
        if known is None or name in known:
            return ""
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.5)
        if close:
            return f"“{name}”不是已知的区县，是否为“{close[0]}”？"
        listed = "、".join(sorted(known)[:20]) or "（尚无区县）"
        return f"“{name}”不是已知的区县，已知的区县：{listed}"

    def check_condition_districts(
        self, conditions: ast.Node, raw: object, place: Place, line: int | None
    ) -> None:
        """Every `所在区县` value of a condition names a known district: a typo (渭宾区) would otherwise
        fail every enterprise silently."""
        for leaf in ast.leaves(conditions):
            if isinstance(leaf, ast.HasQualification) or leaf.field != "district":
                continue
            values = leaf.values if isinstance(leaf, ast.Member) else (getattr(leaf, "value", None),)
            for value in values:
                problem = self.unknown_district(str(value))
                if problem:
                    where = _line_mentioning(raw, str(value)) or line
                    self.note("value.district", f"所在区县{problem}", place.within("条件"), where)

    def policy(self, raw: object, line: int | None) -> Policy | None:
        top = self.mapping(raw, "政策", Place(self.file), line)
        if top is None:
            return None
        title = str(top.get("title") or "").strip()
        place = Place(self.file, policy=title)
        self.check_keys(top, POLICY_KEYS, place)
        policy_id = self.identifier(top, "政策", place.at_line(line))
        self.required_text(top, "title", "政策名称", place.at_line(line))
        valid_from, valid_to = self.window(top, place)
        if valid_from is None and "valid_from" not in top:
            self.note("syntax.missing", "缺少政策有效期开始日期（valid_from）", place, line)
        department = self.department(top, place, "")
        raw_items = top.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            self.note("syntax.missing", "政策中没有奖励项（items）", place, line_of(top, "items") or line)
            return None
        items = [
            self.item(r, place, n, line_of(raw_items, n - 1), (valid_from, valid_to), department)
            for n, r in enumerate(raw_items, start=1)
        ]
        cases = self.cases(top.get("cases"), place, line_of(top, "cases"), policy_level=True)
        self.check_policy_case_items(cases, [i for i in items if i], place)
        if valid_from is None or any(i is None for i in items):
            return None
        return Policy(
            id=policy_id,
            title=title,
            issuer=str(top.get("issuer") or ""),
            doc_number=str(top.get("doc_number") or ""),
            published_on=self.date_at(top, "published_on", place),
            valid_from=valid_from,
            valid_to=valid_to,
            items=tuple(i for i in items if i),
            source=str(top.get("source") or ""),
            source_note=str(top.get("source_note") or ""),
            cases=tuple(cases),
            cases_as_of=self.date_at(top, "cases_as_of", place),
            line=line,
            department=department,
        )

    # --- items ------------------------------------------------------------------------------------

    def item(
        self,
        raw: object,
        policy_place: Place,
        number: int,
        line: int | None,
        window: tuple[dt.date | None, ...],
        policy_department: str = "",
    ) -> Item | None:
        top = self.mapping(raw, "奖励项", policy_place, line)
        if top is None:
            return None
        place = Place(self.file, None, policy_place.policy, number, str(top.get("title") or "").strip())
        self.check_keys(top, ITEM_KEYS, place)
        item_id = self.identifier(top, "奖励项", place.at_line(line))
        self.unique_item_id(item_id, place, line_of(top, "id"))
        title = self.required_text(top, "title", "奖励项名称", place.at_line(line))
        conditions, errors = read_conditions(top.get("conditions"), place, line_of(top, "conditions"))
        self.errors.extend(errors)
        if conditions is not None:
            self.check_condition_districts(
                conditions, top.get("conditions"), place, line_of(top, "conditions")
            )
        amount = self.amount(top, place)
        mode = self.mode(top, place)
        valid_from, valid_to = self.item_window(top, place, window)
        if None in (conditions, amount, mode, valid_from):
            self.cases(top.get("cases"), place, line_of(top, "cases"))
            return None
        self.check_tiers_cover_conditions(amount, conditions, place, line_of(top, "amount"))  # type: ignore[arg-type]
        return Item(
            id=item_id,
            title=title,
            conditions=conditions,  # type: ignore[arg-type]
            amount=amount,  # type: ignore[arg-type]
            mode=mode,  # type: ignore[arg-type]
            valid_from=valid_from,  # type: ignore[arg-type]
            valid_to=valid_to,
            targets=self.targets(top, place),
            exclusivity_group=self.group(top, place),
            budget_cap_fen=self.budget(top, place),
            tags=self.tags(top, place),
            article=str(top.get("article") or ""),
            source_text=str(top.get("source_text") or "").strip(),
            note=str(top.get("note") or "").strip(),
            cases=tuple(self.cases(top.get("cases"), place, line_of(top, "cases"))),
            line=line,
            version_label=str(top.get("version") or ""),
            department=self.department(top, place, policy_department),
            jurisdiction=self.district,
        )

    def department(self, top: LineDict, place: Place, inherited: str) -> str:
        """牵头部门 (e.g. 区工信局): who reviews the item's entitlements; an item inherits its policy's."""
        raw = top.get("department")
        if raw is None:
            return inherited
        if not isinstance(raw, str) or not raw.strip() or len(raw.strip()) > 100:
            self.note(
                "syntax.department",
                "牵头部门（department）应是不超过 100 字的部门名称，如 区工信局",
                place,
                line_of(top, "department"),
            )
            return inherited
        return raw.strip()

    def tags(self, top: LineDict, place: Place) -> tuple[str, ...]:
        raw = top.get("tags")
        if raw is None:
            return ()
        if isinstance(raw, list) and all(isinstance(t, str) for t in raw):
            return tuple(t.strip() for t in raw)
        if isinstance(raw, str):
            return (raw.strip(),)
        self.note("syntax.tags", "标签（tags）应是文字列表，如 [科技创新, 高企]", place, line_of(top, "tags"))
        return ()

    def unique_item_id(self, item_id: str, place: Place, line: int | None) -> None:
        if item_id in self.item_ids:
            earlier = self.item_ids[item_id]
            where = f"（第{earlier}行已用过）" if earlier else ""
            self.note("syntax.duplicate_id", f"奖励项编号“{item_id}”重复{where}", place, line)
        elif item_id:
            self.item_ids[item_id] = line

    def amount(self, top: LineDict, place: Place) -> ast.Amount | None:
        amount = self.guard(
            place.within("金额"), line_of(top, "amount"), lambda: read_amount(top.get("amount"))
        )
        if amount is None:
            return None
        ceiling = self.checks.amount_ceiling_fen
        over = [fen for fen in money_in(amount) if fen > ceiling]
        if over:
            hint = f"（上限由 {CEILING_SETTING} 设定）" if ceiling < MAX_ITEM_AMOUNT_FEN else ""
            self.note(
                "amount.ceiling",
                f"金额 {format_amount(max(over))} 超过单项奖补上限 {format_amount(ceiling)}{hint}，"
                "请核对金额和单位（元、万元）",
                place.within("金额"),
                line_of(top, "amount"),
            )  # the item is still read, so its cases and the policy's do not report it as missing
        return amount

    def mode(self, top: LineDict, place: Place) -> Mode | None:
        raw = top.get("mode")
        if raw is None:
            return Mode.APPLY
        mode = Mode.lookup(str(raw))
        if mode is None:
            self.note(
                "syntax.mode",
                f"兑现方式“{raw}”无法识别，可选：免申即享、快申快享、申报",
                place,
                line_of(top, "mode"),
            )
        return mode

    def item_window(
        self, top: LineDict, place: Place, policy_window: tuple[dt.date | None, ...]
    ) -> tuple[dt.date | None, dt.date | None]:
        start, end = self.window(top, place)
        p_start, p_end = policy_window
        start, end = start or p_start, end if "valid_to" in top else p_end
        outside = (p_start and start and start < p_start) or (p_end and (end is None or end > p_end))
        if outside:
            self.note(
                "validity.outside",
                "奖励项有效期超出了政策有效期",
                place.within("有效期"),
                line_of(top, "valid_from"),
            )
        return start, end

    def targets(self, top: LineDict, place: Place) -> tuple[str, ...]:
        entity_type = field_registry()["entity_type"]
        raw = top.get("targets") or []
        codes = []
        for name in raw if isinstance(raw, list) else [raw]:
            code = entity_type.choice_code(str(name))
            if code is None:
                options = "、".join(label for _, label in entity_type.choices)
                self.note(
                    "value.choice",
                    f"适用主体“{name}”无法识别，可选：{options}",
                    place,
                    line_of(top, "targets"),
                )
            else:
                codes.append(code)
        return tuple(codes)

    def group(self, top: LineDict, place: Place) -> str | None:
        raw = top.get("exclusivity_group")
        if isinstance(raw, list):
            names = [str(n) for n in raw]
            if len(set(names)) > 1:
                shown = "”“".join(names)
                self.note(
                    "exclusivity.two_groups",
                    f"一个奖励项只能属于一个不重复奖励组，这里写了“{shown}”",
                    place,
                    line_of(top, "exclusivity_group"),
                )
                return None
            return names[0] if names else None
        return str(raw).strip() if raw else None

    def budget(self, top: LineDict, place: Place) -> int | None:
        if top.get("budget_cap") is None:
            return None
        line = line_of(top, "budget_cap")
        fen = self.guard(place.within("预算上限"), line, lambda: parse_money(top["budget_cap"]))
        if fen is not None and fen > MAX_BUDGET_FEN:
            self.note(
                "amount.ceiling",
                f"预算上限 {format_amount(fen)} 超过了可登记的最大值 {format_amount(MAX_BUDGET_FEN)}，"
                "请核对金额和单位（元、万元）",
                place.within("预算上限"),
                line,
            )
            return None
        return fen

    def check_tiers_cover_conditions(
        self, amount: ast.Amount, conditions: ast.Node, place: Place, line: int | None
    ) -> None:
        """A tiered amount must name an amount for every level its item's conditions accept."""
        if not isinstance(amount, ast.Tiered):
            return
        kind = qualification_kinds()[amount.qualification.kind]
        paid = {level for level, _ in amount.tiers}
        for leaf in ast.leaves(conditions):
            if isinstance(leaf, ast.HasQualification) and leaf.kind == kind.code:
                missing = [c for c in (leaf.levels or kind.levels) if c not in paid]
                if missing:
                    shown = "、".join(level_label(c) + "级" for c in missing)
                    self.note(
                        "amount.tiers",
                        f"条件接受{shown}{kind.label}，但金额中没有该层级的标准",
                        place.within("金额"),
                        line,
                    )

    # --- cases ------------------------------------------------------------------------------------

    def cases(self, raw: object, place: Place, line: int | None, policy_level: bool = False) -> list[Case]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.note("syntax.cases", "测试用例（cases）应是列表", place, line)
            return []
        cases = [self.case(c, place, line_of(raw, i), policy_level) for i, c in enumerate(raw)]
        ids = [c.id for c in cases if c]
        for case_id in {i for i in ids if ids.count(i) > 1}:
            self.note("syntax.duplicate_id", f"测试用例编号“{case_id}”重复", place, line)
        return [c for c in cases if c]

    def case(self, raw: object, place: Place, line: int | None, policy_level: bool) -> Case | None:
        top = self.mapping(raw, "测试用例", place, line)
        if top is None:
            return None
        case_id = str(top.get("id") or "").strip()
        case_place = place.within(f"测试用例“{case_id}”")
        self.check_keys(top, CASE_KEYS, case_place)
        if not case_id:
            self.note("syntax.missing", "测试用例缺少编号（id）", place, line)
        profile = top.get("profile") or {}
        if not isinstance(profile, dict):
            self.note(
                "syntax.mapping", "测试用例的企业数据（profile）应是映射", case_place, line_of(top, "profile")
            )
            return None
        expect = self.mapping(
            top.get("expect"), "测试用例的预期（expect）", case_place, line_of(top, "expect") or line
        )
        if expect is None:
            return None
        allowed = POLICY_EXPECT_KEYS if policy_level else ITEM_EXPECT_KEYS
        self.check_keys(expect, allowed, case_place)
        expectation = self.guard(
            case_place, line_of(top, "expect"), lambda: read_expectation(expect, policy_level)
        )
        if expectation is None:
            return None
        return Case(case_id, profile, expectation, self.date_at(top, "as_of", case_place), line)

    def check_policy_case_items(self, cases: list[Case], items: list[Item], place: Place) -> None:
        known = {i.id for i in items}
        for case in cases:
            for item_id, _ in case.expect.payable:
                if item_id not in known:
                    self.note(
                        "case.item", f"测试用例“{case.id}”中的奖励项“{item_id}”不在本政策中", place, case.line
                    )


def money_in(amount: ast.Amount) -> list[int]:
    """Every sum of money an amount rule names: what one enterprise could be paid, or a cap on it."""
    if isinstance(amount, ast.Fixed):
        return [amount.fen]
    if isinstance(amount, ast.Tiered):
        return [fen for _, fen in amount.tiers]
    if isinstance(amount, ast.PerUnit):
        return [amount.each_fen, *([amount.cap_fen] if amount.cap_fen is not None else [])]
    return [amount.cap_fen] if amount.cap_fen is not None else []


def _line_mentioning(raw: object, text: str) -> int | None:
    """The line of the first entry of a condition list whose text mentions `text`."""
    if not isinstance(raw, list):
        return None
    for index, entry in enumerate(raw):
        if text in str(entry):
            return line_of(raw, index)
    return None


def read_expectation(raw: LineDict, policy_level: bool) -> Expectation:
    if policy_level:
        payable = tuple(
            (str(k), parse_money(v) if v != 0 else 0) for k, v in (raw.get("payable") or {}).items()
        )
        total = raw.get("total")
        return Expectation(payable=payable, total_fen=None if total is None else _money_or_zero(total))
    verdict = None
    if raw.get("verdict") is not None:
        verdict = Verdict.lookup(str(raw["verdict"]))
        if verdict is None:
            raise RuleSyntaxError(
                "case.verdict",
                f"预期结论“{raw['verdict']}”无法识别，可选：eligible、needs_confirmation、not_eligible",
            )
    mode = Mode.lookup(str(raw["mode"])) if raw.get("mode") is not None else None
    if raw.get("mode") is not None and mode is None:
        raise RuleSyntaxError("case.mode", f"预期方式“{raw['mode']}”无法识别")
    has_amount = "amount" in raw
    amount = None if raw.get("amount") is None else _money_or_zero(raw["amount"])
    return Expectation(
        verdict=verdict,
        amount_fen=amount,
        has_amount=has_amount,
        mode=mode,
        reasons=tuple(str(r) for r in raw.get("reasons") or []),
        codes=tuple(str(c) for c in raw.get("codes") or []),
    )


def _money_or_zero(raw: object) -> int:
    return 0 if raw == 0 else parse_money(raw)


# --- public entry points --------------------------------------------------------------------------


def load_pack(
    text: str, file: str = "", run_cases: bool = True, checks: Checks | None = None
) -> tuple[Pack | None, list[RuleError]]:
    """A validated Pack, or None and every error found (Chinese, with its place). `checks`: what the
    platform knows (districts, the amount ceiling); without it only the engine's own bounds hold."""
    reader = PackReader(file, checks=checks or Checks())
    pack = reader.pack(text)
    if pack is None or reader.errors:
        return None, reader.errors
    if run_cases:
        failures = run_pack_cases(pack)
        if failures:
            return None, failures
    return pack, []


def load_pack_file(
    path: Path | str, run_cases: bool = True, checks: Checks | None = None
) -> tuple[Pack | None, list[RuleError]]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [RuleError("file.read", f"无法读取文件：{exc.__class__.__name__}", Place(path.name))]
    return load_pack(text, path.name, run_cases, checks)


def replace_working_pack(
    working: Pack | None, candidate_text: str, file: str = "", checks: Checks | None = None
) -> tuple[Pack | None, list[RuleError]]:
    """(pack to use from now on, errors). With any error the working pack is kept unchanged."""
    candidate, errors = load_pack(candidate_text, file, checks=checks)
    if errors or candidate is None:
        return working, errors
    return candidate, []


def shipped_pack_paths() -> list[Path]:
    return sorted(PACKS_DIR.glob("*.yaml"))
