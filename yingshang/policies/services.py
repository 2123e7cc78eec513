"""政策找企业 services: stored pack versions, enterprise profiles, the calculator, batch match runs,
result downloads and what-if estimates. Pages, the API and the `policies` command all call these.

The rules engine (`yingshang.policies.rules`) decides; this module turns registry rows into engine
input, stores what the engine accepted (one dated version per pack, with its policies and reward
items), and stores batch results against the exact item versions that produced them.

Public API (names kept stable for the pages; other apps import policies only from here):

- packs: `sync_shipped_packs`, `save_pack_version`, `working_packs`, `parsed_pack`, `current_items`
  (kept in `packs`, re-exported here)
- one enterprise: `profile_of`, `provenance_of`, `calculate_for`, `calculator_context`, `latest_results_for`
- batch: `start_match_run`, `execute_run`, `latest_match_run`, `run_results`, `results_workbook`
- what-if: `start_whatif_run` here; `whatif`, `whatif_of_run`, `item_source` in `yingshang.policies.whatif`

Below this module, from the bottom: `packs` (stored versions), `runs` (a run's bookkeeping),
`snapshot` (registry rows as an Arrow table), `match` (batch evaluation and a match run), `whatif`,
`tasks` (executing a queued run). None of them imports this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.db import transaction
from django.db.models import QuerySet

from yingshang.core import clock
from yingshang.core.money import to_yuan
from yingshang.core.spreadsheets import Sheet, write_workbook
from yingshang.core.workers import Runner, default_runner, dispatch
from yingshang.policies import rules, whatif
from yingshang.policies.models import MatchResult, MatchRun, PolicyPack, RewardItem
from yingshang.policies.packs import (  # noqa: F401  (the stored packs are part of this module's API)
    UI_ORIGIN,
    CurrentItem,
    PackRejected,
    current_items,
    pack_checks,
    pack_versions,
    parsed_pack,
    rows_by_key,
    save_pack_version,
    sync_shipped_packs,
    working_packs,
)
from yingshang.policies.reasons import reason_texts
from yingshang.policies.rules.fields import field_registry, qualification_kinds
from yingshang.policies.runs import QUEUED, Progress
from yingshang.policies.tasks import execute_run, execute_run_task
from yingshang.registry.fields import RECORDED_FIELDS, SCALE_SOURCE
from yingshang.registry.models import Enterprise, User

SECTION_TOP_ITEMS = 5  # items listed in the 政策计算器 summary of the enterprise page


# ==================================================================================================
# One enterprise: profile, provenance, calculator
# ==================================================================================================

# A registry field feeds the profile field of the same name, except the industry, which feeds three.
_PROFILE_KEYS: dict[str, tuple[str, ...]] = {
    "industry": ("industry_code", "industry_section", "industry_division"),
}


def _qualification_records(enterprise: Enterprise, as_of: dt.date) -> list[dict[str, Any]]:
    # A record certified after the evaluation day did not exist then.
    return [
        {"kind": q.kind, "level": q.level or None, "certified_on": q.certified_on, "expires_on": q.expires_on}
        for q in enterprise.qualifications.all()
        if q.certified_on <= as_of
    ]


def profile_of(enterprise: Enterprise, as_of: dt.date | None = None) -> dict[str, Any]:
    """The engine's profile of a registry entity: field keys (rules/fields.py), money in fen, enum
    codes, the qualification list (complete for the kinds the registry tracks). Values the registry
    does not hold stay None: the engine treats them as unknown ("needs confirmation")."""
    day = as_of or clock.today()
    profile: dict[str, Any] = dict.fromkeys(field_registry())
    del profile["qualifications"]
    profile.update(
        uscc=enterprise.uscc,
        name=enterprise.name,
        entity_type=enterprise.entity_type,
        industry_code=enterprise.industry_id,
        industry_section=enterprise.industry_section or None,
        industry_division=enterprise.industry_division or None,
        district=enterprise.district.name,
        street=enterprise.street.name if enterprise.street_id else None,
        registered_on=enterprise.registered_on,
        registered_capital_fen=enterprise.registered_capital_fen,
        employees=enterprise.employees,
        annual_revenue_fen=enterprise.annual_revenue_fen,
        total_assets_fen=enterprise.total_assets_fen,
        tax_paid_fen=enterprise.tax_paid_fen,
        scale=enterprise.scale or None,
        credit_class=enterprise.credit_class or None,
        status=enterprise.status,
    )
    profile["qualifications"] = _qualification_records(enterprise, day)
    return profile


def provenance_of(enterprise: Enterprise) -> dict[str, dict[str, str]]:
    """Where each profile value came from: field key → {"source", "as_of"} (as recorded by the
    registry). "qualifications" names the rolls the enterprise's records came from; each record's own
    source is in `qualification_provenance`."""
    result: dict[str, dict[str, str]] = {}
    for name in RECORDED_FIELDS:
        keys = _PROFILE_KEYS.get(name, (name,))
        origin = enterprise.provenance.get(name) if isinstance(enterprise.provenance, dict) else None
        if isinstance(origin, dict):
            for key in keys:
                result[key] = {"source": str(origin.get("source", "")), "as_of": str(origin.get("as_of", ""))}
    if enterprise.scale:
        inputs = [result.get(k, {}).get("as_of", "") for k in ("employees", "annual_revenue_fen")]
        result["scale"] = {"source": SCALE_SOURCE, "as_of": max(inputs)}
    records = list(enterprise.qualifications.all())
    rolls = sorted({q.source for q in records if q.source})
    days = [q.as_of.isoformat() for q in records if q.as_of]
    result["qualifications"] = {
        "source": "、".join(rolls) or field_registry()["qualifications"].source,
        "as_of": max(days, default=""),
    }
    for key, f in field_registry().items():
        if key not in result and not f.machine_checkable:
            result[key] = {"source": f"{f.source}（尚未接入，需企业确认）", "as_of": ""}
    return result


def qualification_provenance(enterprise: Enterprise) -> list[dict[str, Any]]:
    """Each qualification record with its source, for the calculator page."""
    kinds = qualification_kinds()
    return [
        {
            "kind": q.kind,
            "label": kinds[q.kind].label if q.kind in kinds else q.get_kind_display(),
            "level": q.level,
            "certified_on": q.certified_on,
            "expires_on": q.expires_on,
            "source": q.source,
            "as_of": q.as_of,
        }
        for q in enterprise.qualifications.order_by("kind", "level")
    ]


@dataclass(frozen=True)
class PackCalculation:
    """The calculator's answer for one working pack: the engine's Calculation and the stored items."""

    pack: PolicyPack
    calculation: rules.Calculation
    rows: Mapping[str, RewardItem]  # item key → stored RewardItem of this version

    def row(self, result: rules.ItemResult) -> RewardItem:
        return self.rows[result.item_id]


@dataclass(frozen=True)
class EnterpriseCalculation:
    """政策计算器 for one enterprise on one day, over every working pack."""

    enterprise: Enterprise
    as_of: dt.date
    profile: Mapping[str, Any]
    provenance: Mapping[str, Mapping[str, str]]
    packs: tuple[PackCalculation, ...]

    @property
    def results(self) -> list[tuple[PackCalculation, rules.ItemResult]]:
        return [(p, r) for p in self.packs for r in p.calculation.items]

    def by_verdict(self, verdict: rules.Verdict) -> list[tuple[PackCalculation, rules.ItemResult]]:
        return [(p, r) for p, r in self.results if r.verdict is verdict]

    @property
    def total_payable_fen(self) -> int:
        return sum(p.calculation.total_payable_fen for p in self.packs)

    @property
    def counts(self) -> dict[str, int]:
        return {v.value: len(self.by_verdict(v)) for v in rules.Verdict}

    def source_of(self, field_key: str) -> str:
        """'来源，截至日期' for a profile field, '' when not recorded."""
        origin = self.provenance.get(field_key)
        if not origin:
            return ""
        return f"{origin['source']}，截至 {origin['as_of']}" if origin.get("as_of") else origin["source"]


def calculate_for(enterprise: Enterprise, as_of: dt.date | None = None) -> EnterpriseCalculation:
    """政策计算器: every item of every working pack in force on `as_of` (default today, 北京时间),
    evaluated for one enterprise, with reasons and where each value came from."""
    day = as_of or clock.today()
    enterprise = (
        Enterprise.objects.select_related("district", "street", "industry")
        .prefetch_related("qualifications")
        .get(pk=enterprise.pk)
    )
    profile = profile_of(enterprise, day)
    packs = tuple(
        PackCalculation(stored, rules.calculate(pack, profile, day), rows_by_key(stored))
        for stored, pack in working_packs()
    )
    return EnterpriseCalculation(enterprise, day, profile, provenance_of(enterprise), packs)


def policy_section(enterprise: Enterprise, link: str, *, for_enterprise: bool = False) -> dict[str, Any]:
    """The 政策计算器 summary on the enterprise page (policies/_enterprise_section.html): counts by
    verdict, the total payable, the items paying most, and `link` to the full calculator. Staff and
    the enterprise itself (`for_enterprise`: logged in or by 企业码) read the same figures; only the
    wording of a data error differs."""
    section: dict[str, Any] = {"link": link, "error": ""}
    try:
        calculation = calculate_for(enterprise)
    except rules.ProfileError as exc:
        lead = "本企业的数据有误，暂时无法计算" if for_enterprise else "该市场主体的数据有误，无法计算"
        section["error"] = f"{lead}：{exc}"
        return section
    eligible = [r for _, r in calculation.by_verdict(rules.Verdict.ELIGIBLE)]
    section |= {
        "as_of": calculation.as_of,
        "counts": calculation.counts,
        "item_count": len(calculation.results),
        "total_fen": calculation.total_payable_fen,
        "top": sorted((r for r in eligible if r.payable_fen > 0), key=lambda r: -r.payable_fen)[
            :SECTION_TOP_ITEMS
        ],
    }
    return section


# The 政策计算器 page (policies' own, and the enterprise's through the portal).
VERDICT_ORDER = (rules.Verdict.ELIGIBLE, rules.Verdict.NEEDS_CONFIRMATION, rules.Verdict.NOT_ELIGIBLE)


def outcome_source(
    calculation: EnterpriseCalculation, outcome: Any, records: dict[str, list[dict[str, Any]]]
) -> str:
    """Where the value a condition was judged on came from (department and as-of date)."""
    if outcome.field != "qualifications":
        return calculation.source_of(outcome.field) or "暂无来源记录"
    kind_code = outcome.code.split(".")[1] if outcome.code.count(".") >= 2 else ""
    held = records.get(kind_code, [])
    if held:
        texts = [
            f"{r['source'] or '未注明来源'}，截至 {r['as_of']:%Y-%m-%d}" if r["as_of"] else r["source"]
            for r in held
        ]
        return "；".join(dict.fromkeys(texts))
    kind = qualification_kinds().get(kind_code)
    if kind is None:
        return "暂无来源记录"
    roll = "平台已掌握全量名单" if kind.tracked else "名单尚未接入，需企业确认"
    return f"{kind.source}（{roll}）"


def calculator_groups(calculation: EnterpriseCalculation) -> list[dict[str, Any]]:
    """The items grouped 符合 / 需企业确认 / 不符合, each condition with its value and its source."""
    records: dict[str, list[dict[str, Any]]] = {}
    for record in qualification_provenance(calculation.enterprise):
        records.setdefault(record["kind"], []).append(record)
    groups = []
    for verdict in VERDICT_ORDER:
        entries = []
        for pack_calculation, result in calculation.by_verdict(verdict):
            entries.append(
                {
                    "result": result,
                    "row": pack_calculation.row(result),
                    "pack": pack_calculation.pack,
                    "outcomes": [
                        {"outcome": o, "source": outcome_source(calculation, o, records)}
                        for o in result.outcomes
                    ],
                }
            )
        if verdict is rules.Verdict.ELIGIBLE:
            entries.sort(key=lambda e: -e["result"].payable_fen)
        groups.append({"verdict": verdict, "label": verdict.label, "entries": entries})
    return groups


def calculator_context(enterprise: Enterprise, as_of: dt.date | None = None) -> dict[str, Any]:
    """What the 政策计算器 page shows for one enterprise on a day (default today): the items grouped
    by verdict with each condition's source, the counts and the amounts still to be confirmed; or
    the Chinese error when the enterprise's data cannot be evaluated."""
    try:
        calculation = calculate_for(enterprise, as_of)
    except rules.ProfileError as exc:
        return {"error": f"该市场主体的数据有误，无法计算：{exc}"}
    confirm = calculation.by_verdict(rules.Verdict.NEEDS_CONFIRMATION)
    return {
        "error": "",
        "calculation": calculation,
        "groups": calculator_groups(calculation),
        "counts": calculation.counts,
        "confirm_known_fen": sum(r.amount_fen or 0 for _, r in confirm),
        "confirm_unknown": sum(1 for _, r in confirm if r.amount_fen is None),
        "qualifications": qualification_provenance(enterprise),
    }


def latest_match_run(kind: str = "match") -> MatchRun | None:
    """The newest finished run of a kind (what the results pages show by default)."""
    return MatchRun.objects.filter(kind=kind, state="done").order_by("-finished_at", "-pk").first()


def latest_results_for(enterprise: Enterprise) -> QuerySet[MatchResult]:
    """This enterprise's kept pairs in the latest finished batch match (empty when none ran)."""
    run = latest_match_run()
    if run is None:
        return MatchResult.objects.none()
    return (
        MatchResult.objects.filter(run=run, enterprise=enterprise)
        .select_related("item", "item__policy")
        .order_by("item__policy__pack__name", "item__position")
    )


# ==================================================================================================
# Batch match runs
# ==================================================================================================

VERDICT_LABELS = dict(MatchResult._meta.get_field("verdict").choices)  # type: ignore[arg-type]


def start_match_run(
    user: User | None,
    as_of: dt.date | None = None,
    *,
    kind: Literal["match"] = "match",
    runner: Runner | None = None,
    progress: Progress | None = None,
) -> MatchRun:
    """Create a queued run over the current working pack versions and set it going. `runner`:
    "task" (django-tasks queue), "thread" (a background thread of this process) or "inline" (run
    now and return the finished run, as the command line does; `progress` is called as it goes).
    Default: `default_runner()`."""
    runner = runner or default_runner()
    with transaction.atomic():
        run = MatchRun.objects.create(
            kind=kind, as_of=as_of or clock.today(), started_by=user, progress=QUEUED
        )
        run.packs.set(PolicyPack.objects.filter(is_working=True))
        if runner != "inline":
            dispatch_run(run, runner)
    if runner == "inline":
        return execute_run(run.pk, progress)
    return run


def dispatch_run(run: MatchRun, runner: Runner) -> None:
    """Hand a queued run to a thread or the task queue once the surrounding transaction commits."""
    dispatch(run.pk, runner, execute=execute_run, task=execute_run_task, name=f"policies-run-{run.pk}")


def start_whatif_run(
    user: User | None,
    draft_text: str | None = None,
    *,
    item_changes: Mapping[str, Mapping[str, Any]] | None = None,
    as_of: dt.date | None = None,
    pack_name: str | None = None,
    runner: str | None = None,
) -> tuple[MatchRun | None, list[rules.RuleError]]:
    """Check the draft now (errors come back at once, nothing is queued) and queue the estimate as a
    MatchRun of kind "whatif"; the page polls it like a match run."""
    draft, current, errors, _ = whatif.read_draft(draft_text, item_changes, pack_name)
    if draft is None:
        return None, errors
    runner = runner or default_runner()
    with transaction.atomic():
        run = MatchRun.objects.create(
            kind="whatif",
            as_of=as_of or clock.today(),
            started_by=user,
            progress=QUEUED,
            summary={
                "input": {
                    "draft_text": draft_text,
                    "item_changes": item_changes,
                    "pack_name": pack_name or draft.id,
                }
            },
        )
        if current is not None:
            run.packs.set([current])
        if runner != "inline":
            dispatch_run(run, runner)  # type: ignore[arg-type]
    if runner == "inline":
        return whatif.execute_whatif_run(run.pk), []
    return run, []


def run_results(
    run: MatchRun, item: RewardItem | None = None, verdict: str | None = None
) -> QuerySet[MatchResult]:
    """Kept pairs of a run, optionally of one item and one verdict, in USCC order."""
    qs = MatchResult.objects.filter(run=run)
    if item is not None:
        qs = qs.filter(item=item)
    if verdict:
        qs = qs.filter(verdict=verdict)
    return qs.select_related("enterprise", "district", "item").order_by("enterprise__uscc")


def engine_item(row: RewardItem) -> rules.Item | None:
    """The engine's Item for a stored item row (its pack version parsed once per process)."""
    try:
        return parsed_pack(row.policy.pack).item(row.key)[1]
    except (StopIteration, PackRejected):
        return None


def run_figures_for(run: MatchRun, user: User) -> dict[str, Any]:
    """A run's headline numbers as this user may see them: the whole run for a city-level user,
    their own district's line of the summary for a district-level one."""
    district = user.jurisdiction
    if district is None:
        return {
            "scope": "全市",
            "entity_count": run.entity_count,
            "item_count": run.item_count,
            "eligible_count": run.eligible_count,
            "needs_confirmation_count": run.needs_confirmation_count,
            "total_amount_fen": run.total_amount_fen,
        }
    summary = run.summary or {}
    line = next((d for d in summary.get("by_district", []) if d.get("key") == district.name), {})
    population = summary.get("population", {}).get("by_district", [])
    entities = next((d.get("entities", 0) for d in population if d.get("key") == district.name), 0)
    return {
        "scope": district.name,
        "entity_count": entities,
        "item_count": run.item_count,
        "eligible_count": line.get("eligible", 0),
        "needs_confirmation_count": line.get("needs_confirmation", 0),
        "total_amount_fen": line.get("payable_fen", 0),
    }


def run_items(run: MatchRun) -> list[dict[str, Any]]:
    """The per-item lines of a finished run's summary (counts, amounts, breakdowns)."""
    return list((run.summary or {}).get("items", []))


# ==================================================================================================
# Downloads
# ==================================================================================================


RESULT_HEADERS = (
    "统一社会信用代码",
    "名称",
    "区县",
    "结论",
    "兑现方式",
    "金额（元）",
    "不重复奖后应兑付（元）",
    "需确认事项",
    "原因",
)


def results_workbook(
    run: MatchRun, item: RewardItem, enterprises: QuerySet[Enterprise] | None = None
) -> bytes:
    """One item's kept pairs of a run as .xlsx in the house style (core.spreadsheets, streamed row by
    row); `enterprises` limits it to those a district-level viewer may see."""
    stored = item.policy.pack
    engine = engine_item(item)
    texts: dict[tuple[str, ...], str] = {}
    results = MatchResult.objects.filter(run=run, item=item).order_by("enterprise__uscc")
    if enterprises is not None:
        results = results.filter(enterprise__in=enterprises)
    columns = (
        "enterprise__uscc",
        "enterprise__name",
        "district__name",
        "verdict",
        "mode",
        "amount_fen",
        "payable_fen",
        "to_confirm",
        "reason_codes",
    )

    def lines() -> Iterator[list[Any]]:
        for uscc, name, district, verdict, mode, amount, payable, to_confirm, codes in results.values_list(
            *columns
        ).iterator(5000):
            key = tuple(codes or ())
            if key not in texts:
                texts[key] = "；".join(reason_texts(engine, key)) if engine else ""
            yield [
                uscc,
                name,
                district,
                VERDICT_LABELS.get(verdict, verdict),
                mode,
                to_yuan(amount),
                to_yuan(payable),
                "；".join(to_confirm or []),
                texts[key],
            ]

    sheet = Sheet(
        title="匹配结果",
        headers=RESULT_HEADERS,
        rows=lines(),
        caption=(
            f"{item.title}（{item.article or item.key}，版本 {item.version}）："
            f"测算日期 {run.as_of:%Y-%m-%d}，批次 {run.pk}，政策包“{stored.title}”版本 {stored.version}"
        ),
        widths=(22, 36, None, None, None, 14, 18, 40, 60),
        formats={5: "#,##0.00", 6: "#,##0.00"},
    )
    return write_workbook([sheet])


def results_file_name(run: MatchRun, item: RewardItem) -> str:
    return f"匹配结果_{item.key}_{run.as_of:%Y%m%d}_批次{run.pk}.xlsx"
