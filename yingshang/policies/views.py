"""政策找企业 pages: 政策库 (policies, reward items, packs and their editor), 政策计算器, batch match
runs with their results and downloads, and 政策测算 (what-if).

Every page asks services.py (and whatif.py) for its numbers; this module only decides who may see
what and shapes it for the templates. Scope (core.scope): staff see the entities of their reach (a
district-level user their district's figures only); an enterprise user sees its own calculator; packs,
city-wide runs and what-if are city-level functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from yingshang.core import clock
from yingshang.core.access_log import record_access
from yingshang.core.forms import AsOfForm
from yingshang.core.permissions import capability_required, city_level
from yingshang.core.scope import scoped
from yingshang.policies import rules, services
from yingshang.policies.forms import (
    CalculatorSearchForm,
    PackEditForm,
    StartRunForm,
    WhatIfDraftForm,
    WhatIfItemForm,
)
from yingshang.policies.match import FIGURE_KEYS
from yingshang.policies.models import MODES, MatchResult, MatchRun, PolicyPack, RewardItem
from yingshang.policies.reasons import reason_texts
from yingshang.policies.runs import fail_dead_runs
from yingshang.policies.templatetags.policies_tags import version_label
from yingshang.policies.whatif import item_source, whatif_of_run
from yingshang.registry.models import Enterprise, User

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RESULTS_PAGE_SIZE = 50
RUNS_PAGE_SIZE = 20
ACTIVE_STATES = ("queued", "running")
# A run left queued or running longer than this (a worker that died) no longer blocks a new start.
STALE_RUN = dt.timedelta(hours=1)
KEPT_VERDICTS = {"eligible": "符合", "needs_confirmation": "需企业确认"}


# ==================================================================================================
# 政策库: policies and reward items of the working packs
# ==================================================================================================


def department_of(row: RewardItem) -> str:
    """The department an item belongs to: its own 牵头部门, else its policy's, else the 发文机关."""
    return row.department or row.policy.department or row.policy.issuer or "未注明"


def validity_of(row: RewardItem, day: dt.date) -> str:
    start = row.valid_from or row.policy.valid_from
    end = row.valid_to or row.policy.valid_to
    if start and day < start:
        return "未生效"
    if end and day > end:
        return "已失效"
    return "现行"


def working_item_rows() -> list[RewardItem]:
    return list(
        RewardItem.objects.filter(policy__pack__is_working=True)
        .select_related("policy", "policy__pack")
        .order_by("policy__pack__name", "policy__key", "position")
    )


@capability_required("policies.view")
def library(request: HttpRequest) -> HttpResponse:
    rows = working_item_rows()
    chosen = {key: request.GET.get(key, "").strip() for key in ("tag", "department", "mode")}
    shown = [
        row
        for row in rows
        if (not chosen["tag"] or chosen["tag"] in row.tags)
        and (not chosen["department"] or department_of(row) == chosen["department"])
        and (not chosen["mode"] or row.mode == chosen["mode"])
    ]
    today = clock.today()
    policies: dict[int, dict[str, Any]] = {}
    for row in shown:
        entry = policies.setdefault(row.policy_id, {"policy": row.policy, "items": []})
        entry["items"].append({"row": row, "validity": validity_of(row, today)})
    context = {
        "packs": PolicyPack.objects.filter(is_working=True).select_related("created_by").order_by("name"),
        "policies": list(policies.values()),
        "shown_count": len(shown),
        "total_count": len(rows),
        "chosen": chosen,
        "tags": sorted({tag for row in rows for tag in row.tags}),
        "departments": sorted({department_of(row) for row in rows}),
        "modes": [code for code, _ in MODES],
    }
    return render(request, "policies/library.html", context)


def item_line_in(run: MatchRun | None, row: RewardItem, user: User) -> dict[str, Any] | None:
    """This item's figures in a finished run, as the user may see them (their district's line)."""
    if run is None:
        return None
    line = next((line for line in services.run_items(run) if line.get("item_pk") == row.pk), None)
    return scoped_figures(line, user) if line is not None else None


@capability_required("policies.view")
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(RewardItem.objects.select_related("policy", "policy__pack"), pk=pk)
    pack = row.policy.pack
    versions = (
        RewardItem.objects.filter(key=row.key, policy__pack__name=pack.name)
        .select_related("policy__pack", "policy__pack__created_by")
        .order_by("-policy__pack__created_at", "-pk")
    )
    peers = (
        RewardItem.objects.filter(policy__pack=pack, exclusivity_group=row.exclusivity_group)
        .exclude(pk=row.pk)
        .select_related("policy")
        if row.exclusivity_group
        else RewardItem.objects.none()
    )
    run = services.latest_match_run()
    context = {
        "row": row,
        "pack": pack,
        "validity": validity_of(row, clock.today()),
        "versions": versions,
        "peers": peers,
        "run": run,
        "figures": item_line_in(run, row, request.user),
    }
    return render(request, "policies/item_detail.html", context)


# ==================================================================================================
# Packs: versions, the YAML editor, the check without saving
# ==================================================================================================


@capability_required("policies.view")
def pack_detail(request: HttpRequest, name: str) -> HttpResponse:
    versions = list(
        services.pack_versions(name).select_related("created_by").annotate(items=Count("policies__items"))
    )
    if not versions:
        raise Http404("没有这个政策包")
    working = next((v for v in versions if v.is_working), None)
    return render(
        request, "policies/pack_detail.html", {"name": name, "versions": versions, "working": working}
    )


@capability_required("policies.view")
def pack_version(request: HttpRequest, name: str, pk: int) -> HttpResponse:
    version = get_object_or_404(PolicyPack.objects.select_related("created_by"), name=name, pk=pk)
    lines = list(enumerate(version.text.splitlines(), start=1))
    return render(request, "policies/pack_version.html", {"version": version, "lines": lines})


def check_pack_text(name: str, text: str) -> tuple[rules.Pack | None, list[rules.RuleError]]:
    """What saving would decide, without saving: every rule and embedded test case checked, and the
    pack id must be the one being edited (the same checks as services.save_pack_version)."""
    file = f"{name}.yaml"
    pack, errors = rules.load_pack(text, file, checks=services.pack_checks())
    if pack is not None and pack.id != name:
        message = f"规则文本中的政策包编号（id）是“{pack.id}”，与正在编辑的政策包“{name}”不一致"
        return None, [rules.RuleError("pack.id", message, rules.Place(file))]
    return pack, errors


def pack_changes(working: rules.Pack | None, draft: rules.Pack) -> list[dict[str, str]]:
    """Items added, changed (what they decide) or removed, against the working version."""
    before = {item.id: item for _, item in working.items()} if working else {}
    after = {item.id: item for _, item in draft.items()}
    changes = []
    for key, item in after.items():
        old = before.get(key)
        if old is None or old.version != item.version:
            changes.append(
                {
                    "key": key,
                    "title": item.title,
                    "status": "新增" if old is None else "修改",
                    "sentence": item.sentence(),
                }
            )
    for key, item in before.items():
        if key not in after:
            changes.append({"key": key, "title": item.title, "status": "删除", "sentence": item.sentence()})
    return changes


def case_count(pack: rules.Pack) -> int:
    return sum(len(p.cases) + sum(len(i.cases) for i in p.items) for p in pack.policies)


def working_version(name: str) -> PolicyPack:
    working = PolicyPack.objects.filter(name=name, is_working=True).first()
    if working is None:
        raise Http404("没有这个政策包")
    return working


@city_level("policies.manage")
def pack_edit(request: HttpRequest, name: str) -> HttpResponse:
    working = working_version(name)
    if request.method != "POST":
        text = working.text
        source = request.GET.get("from", "")
        if source.isdigit():
            text = get_object_or_404(PolicyPack, name=name, pk=int(source)).text
        elif request.GET.get("whatif", "").isdigit():
            text = whatif_draft_text(int(request.GET["whatif"]), name) or text
        form = PackEditForm(initial={"text": text})
        return render(request, "policies/pack_edit.html", {"form": form, "working": working, "errors": []})
    form = PackEditForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        stored, rule_errors = services.save_pack_version(
            name, form.cleaned_data["text"], request.user, form.cleaned_data["note"]
        )
        if stored is not None and not rule_errors:
            messages.success(request, saved_message(working, stored, form.cleaned_data["text"]))
            return redirect("policies:pack_detail", name=name)
        errors = [str(e) for e in rule_errors]
    context = {"form": form, "working": working, "errors": errors}
    return render(request, "policies/pack_edit.html", context, status=400)


def saved_message(before: PolicyPack, stored: PolicyPack, text: str) -> str:
    if stored.pk == before.pk and before.text == text:
        return "规则文本与现行版本完全相同，没有产生新版本"
    if stored.pk == before.pk:
        return f"规则内容未变（只改了注释、说明或测试用例），已更新现行版本（{version_label(stored)}）的文本"
    return f"已保存并启用{version_label(stored)}；此后的计算和批量匹配都按这一版本进行"


@city_level("policies.manage")
@require_POST
def pack_check(request: HttpRequest, name: str) -> HttpResponse:
    working = working_version(name)
    form = PackEditForm(request.POST)
    context: dict[str, Any] = {"errors": [], "pack": None, "changes": []}
    if not form.is_valid():
        context["errors"] = [str(message) for messages_ in form.errors.values() for message in messages_]
    else:
        pack, errors = check_pack_text(name, form.cleaned_data["text"])
        context["errors"] = [str(e) for e in errors]
        if pack is not None:
            context |= {
                "pack": pack,
                "item_count": sum(1 for _ in pack.items()),
                "case_count": case_count(pack),
                "changes": pack_changes(services.parsed_pack(working), pack),
            }
    return render(request, "policies/_pack_check.html", context)


# ==================================================================================================
# 政策计算器
# ==================================================================================================


def render_calculator(request: HttpRequest, enterprise: Enterprise, staff: bool) -> HttpResponse:
    form = AsOfForm(request.GET or None)
    day = form.day() if form.is_bound else None
    context = {"enterprise": enterprise, "form": form, "staff": staff}
    return render(request, "policies/calculator.html", context | services.calculator_context(enterprise, day))


def top_enterprises(user: User, limit: int = 10) -> list[dict[str, Any]]:
    """The user's entities with the most to receive in the latest batch match (a place to start).
    Only paid pairs are added up: a small share of a run's rows, so the page stays quick."""
    run = services.latest_match_run()
    if run is None:
        return []
    return list(
        scoped(MatchResult.objects.filter(run=run, verdict="eligible", payable_fen__gt=0), user)
        .values("enterprise__uscc", "enterprise__name", "district__name")
        .annotate(payable=Sum("payable_fen"), paid=Count("pk"))
        .order_by("-payable", "enterprise__uscc")[:limit]
    )


@capability_required("policies.view")
def calculator_index(request: HttpRequest) -> HttpResponse:
    form = CalculatorSearchForm(request.GET or None)
    if form.is_bound and form.is_valid():
        uscc = form.cleaned_data["uscc"]
        if request.user.visible_enterprises().filter(uscc=uscc).exists():
            return redirect("policies:calculator", uscc=uscc)
        form.add_error("uscc", f"未找到统一社会信用代码为 {uscc} 的市场主体，或它不在您的辖区内")
    context = {"form": form, "top": top_enterprises(request.user), "run": services.latest_match_run()}
    return render(request, "policies/calculator_index.html", context)


@capability_required("policies.view")
def calculator(request: HttpRequest, uscc: str) -> HttpResponse:
    enterprise = get_object_or_404(
        request.user.visible_enterprises().select_related("district"), uscc=uscc.strip().upper()
    )
    return render_calculator(request, enterprise, staff=True)


@capability_required("policies.calculate_own")
def my_calculator(request: HttpRequest) -> HttpResponse:
    enterprise = request.user.enterprise
    if enterprise is None:
        raise PermissionDenied("您的账号没有绑定企业")
    return render_calculator(request, enterprise, staff=False)


# ==================================================================================================
# Batch match runs
# ==================================================================================================


def scoped_figures(line: dict[str, Any], user: User) -> dict[str, Any]:
    """An item line of a run summary as the user may see it: a district-level user gets their
    district's part of it (summary lines split by district), a city-level user the whole line."""
    district = user.jurisdiction
    if district is None:
        return line
    part = next((d for d in line.get("by_district", []) if d.get("key") == district.name), {})
    return line | {key: int(part.get(key, 0) or 0) for key in FIGURE_KEYS}


def run_item_lines(run: MatchRun, user: User) -> list[dict[str, Any]]:
    lines = []
    for line in services.run_items(run):
        figures = scoped_figures(line, user)
        cap = line.get("budget_cap_fen")
        figures["over_budget"] = user.jurisdiction is None and cap is not None and line["payable_fen"] > cap
        lines.append(figures)
    return lines


def active_match_run() -> MatchRun | None:
    fail_dead_runs()  # a run whose process died must not block the next one
    since = timezone.now() - STALE_RUN
    return (
        MatchRun.objects.filter(kind="match", state__in=ACTIVE_STATES, created_at__gte=since)
        .order_by("-created_at")
        .first()
    )


@capability_required("policies.view")
def run_list(request: HttpRequest) -> HttpResponse:
    runs = (
        scoped(MatchRun.objects.filter(kind="match"), request.user)
        .select_related("started_by")
        .prefetch_related("packs")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(runs, RUNS_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"run": run, "figures": services.run_figures_for(run, request.user)} for run in page]
    context = {
        "page": page,
        "rows": rows,
        "form": StartRunForm() if request.user.can("policies.run") else None,
        "active": active_match_run(),
        "working_packs": PolicyPack.objects.filter(is_working=True).order_by("name"),
    }
    return render(request, "policies/run_list.html", context)


@city_level("policies.run")
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    form = StartRunForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(m for ms in form.errors.values() for m in ms))
        return redirect("policies:run_list")
    active = active_match_run()
    if active is not None:
        messages.warning(
            request, f"批次 {active.pk} 正在进行（{active.progress}），请等它完成后再开始新的批量匹配"
        )
        return redirect("policies:run_detail", pk=active.pk)
    if not PolicyPack.objects.filter(is_working=True).exists():
        messages.error(request, "还没有现行政策包，无法批量匹配")
        return redirect("policies:run_list")
    run = services.start_match_run(request.user, form.cleaned_data.get("as_of"))
    messages.success(request, f"已开始批量匹配（批次 {run.pk}），本页会显示进度")
    return redirect("policies:run_detail", pk=run.pk)


def breakdown_rows(summary: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """A run-wide breakdown with each line's number of entities (the denominator)."""
    population = {p["key"]: p["entities"] for p in summary.get("population", {}).get(name, [])}
    return [line | {"entities": population.get(line["key"], 0)} for line in summary.get(name, [])]


@capability_required("policies.view")
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(
        scoped(MatchRun.objects.all(), request.user).select_related("started_by").prefetch_related("packs"),
        pk=pk,
        kind="match",
    )
    user = request.user
    context: dict[str, Any] = {
        "run": run,
        "figures": services.run_figures_for(run, user),
        "items": run_item_lines(run, user) if run.state == "done" else [],
        "city_wide": user.jurisdiction is None,
        "breakdowns": [],
    }
    if run.state == "done" and user.jurisdiction is None:
        summary = run.summary or {}
        context["breakdowns"] = [
            (title, breakdown_rows(summary, name))
            for title, name in (
                ("按区县", "by_district"),
                ("按行业门类", "by_section"),
                ("按规模", "by_scale"),
            )
        ]
    return render(request, "policies/run_detail.html", context)


def run_of_user(user: User, pk: int) -> MatchRun:
    """A run this user may follow: match runs for policy viewers, what-if runs for those who run them."""
    run = get_object_or_404(MatchRun, pk=pk)
    needed = "policies.run" if run.kind == "whatif" else "policies.view"
    if not user.can(needed):
        raise Http404("未找到该批次")
    return run


@capability_required("policies.view", "policies.run")
def run_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status line a running batch's page polls; once finished, htmx reloads the whole page."""
    run = run_of_user(request.user, pk)
    response = render(request, "policies/_run_status.html", {"run": run})
    if run.state not in ACTIVE_STATES and request.htmx:
        response["HX-Refresh"] = "true"
    return response


def run_item(run: MatchRun, item_pk: int) -> RewardItem:
    if run.state != "done":
        raise Http404("该批次尚未完成")
    return get_object_or_404(
        RewardItem.objects.select_related("policy", "policy__pack"),
        pk=item_pk,
        policy__pack__in=run.packs.all(),
    )


@capability_required("policies.view")
def run_item_results(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    run = get_object_or_404(MatchRun, pk=pk, kind="match")
    item = run_item(run, item_pk)
    verdict = request.GET.get("verdict", "")
    if verdict not in KEPT_VERDICTS:
        verdict = ""
    results = scoped(services.run_results(run, item, verdict or None), request.user)
    page = Paginator(results, RESULTS_PAGE_SIZE).get_page(request.GET.get("page"))
    engine_item = services.engine_item(item)
    rows = [
        {"result": r, "reasons": reason_texts(engine_item, r.reason_codes or []) if engine_item else []}
        for r in page
    ]
    line = next((line for line in run_item_lines(run, request.user) if line.get("item_pk") == item.pk), None)
    context = {
        "run": run,
        "item": item,
        "page": page,
        "rows": rows,
        "verdict": verdict,
        "verdicts": KEPT_VERDICTS,
        "figures": line,
    }
    return render(request, "policies/run_item_results.html", context)


@capability_required("policies.view")
def run_item_download(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    run = get_object_or_404(MatchRun, pk=pk, kind="match")
    item = run_item(run, item_pk)
    user = request.user
    data = services.results_workbook(
        run, item, None if user.jurisdiction is None else user.visible_enterprises()
    )
    record_access(request, "results_export", run, detail=str(item))
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, services.results_file_name(run, item))
    return response


# ==================================================================================================
# 政策测算 (what-if)
# ==================================================================================================


def item_choices(current: Iterable[services.CurrentItem]) -> list[tuple[str, str]]:
    return [(c.item.id, f"{c.row.article} {c.row.title}（{c.item.id}）".strip()) for c in current]


def whatif_draft_text(run_pk: int, name: str) -> str | None:
    """The draft pack text a what-if run was given, when it is a draft of this pack."""
    run = MatchRun.objects.filter(pk=run_pk, kind="whatif").first()
    given = ((run.summary or {}).get("input") or {}) if run else {}
    text = given.get("draft_text")
    return text if text and given.get("pack_name") == name else None


def whatif_forms(
    request: HttpRequest, current: list[services.CurrentItem]
) -> tuple[WhatIfItemForm, WhatIfDraftForm]:
    """Unbound forms prefilled from ?item= (that item's conditions and amount as written in its pack)
    and ?pack= (that working pack's text)."""
    choices = item_choices(current)
    key = request.GET.get("item", "")
    initial: dict[str, Any] = {}
    chosen = next((c for c in current if c.item.id == key), None)
    if chosen is not None:
        source = item_source(chosen.pack, key)
        initial = {
            "item": key,
            "conditions": source.get("conditions", ""),
            "amount": source.get("amount", ""),
        }
    draft_initial = {}
    pack = PolicyPack.objects.filter(name=request.GET.get("pack", ""), is_working=True).first()
    if pack is not None:
        draft_initial = {"draft_text": pack.text}
    return WhatIfItemForm(initial=initial, items=choices), WhatIfDraftForm(initial=draft_initial)


def item_changes_from(form: WhatIfItemForm, current: list[services.CurrentItem]) -> dict[str, dict[str, str]]:
    """The keys the user changed (compared with the item as written in its working pack)."""
    key = form.cleaned_data["item"]
    chosen = next(c for c in current if c.item.id == key)
    source = item_source(chosen.pack, key)
    changes = {}
    for field in ("conditions", "amount"):
        new = form.cleaned_data[field].strip()
        if new != source.get(field, "").strip():
            changes[field] = new
    return {key: changes} if changes else {}


def recent_whatif_runs(limit: int = 20) -> QuerySet[MatchRun]:
    return MatchRun.objects.filter(kind="whatif").select_related("started_by").order_by("-created_at")[:limit]


@city_level("policies.run")
def whatif(request: HttpRequest) -> HttpResponse:
    current = services.current_items()
    item_form, draft_form = whatif_forms(request, current)
    errors: list[str] = []
    if request.method == "POST":
        kind = request.POST.get("kind")
        started: MatchRun | None = None
        if kind == "draft":
            draft_form = WhatIfDraftForm(request.POST)
            if draft_form.is_valid():
                started, rule_errors = services.start_whatif_run(
                    request.user,
                    draft_form.cleaned_data["draft_text"],
                    as_of=draft_form.cleaned_data["as_of"],
                )
                errors = [str(e) for e in rule_errors]
        else:
            item_form = WhatIfItemForm(request.POST, items=item_choices(current))
            if item_form.is_valid():
                changes = item_changes_from(item_form, current)
                if not changes:
                    item_form.add_error(None, "条件和金额都没有修改：请先修改，再测算")
                else:
                    pack = next(c.pack for c in current if c.item.id == item_form.cleaned_data["item"])
                    started, rule_errors = services.start_whatif_run(
                        request.user,
                        item_changes=changes,
                        as_of=item_form.cleaned_data["as_of"],
                        pack_name=pack.name,
                    )
                    errors = [str(e) for e in rule_errors]
        if started is not None:
            messages.success(request, f"已开始测算（批次 {started.pk}），本页会显示进度")
            return redirect("policies:whatif_detail", pk=started.pk)
    context = {
        "item_form": item_form,
        "draft_form": draft_form,
        "errors": errors,
        "packs": PolicyPack.objects.filter(is_working=True).order_by("name"),
        "runs": recent_whatif_runs(),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "policies/whatif.html", context, status=status)


def whatif_input_lines(run: MatchRun) -> list[tuple[str, str]]:
    """What a what-if run was asked, as (label, text) lines."""
    given = (run.summary or {}).get("input") or {}
    if given.get("draft_text"):
        return [
            (
                "政策包草稿",
                f"{given.get('pack_name', '')}（完整草稿，{len(given['draft_text'].splitlines())} 行）",
            )
        ]
    lines = []
    for key, changes in (given.get("item_changes") or {}).items():
        for field, value in changes.items():
            label = {"conditions": "条件", "amount": "金额"}.get(field, field)
            lines.append((f"{key} 的{label}", str(value)))
    return lines


@city_level("policies.run")
def whatif_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(MatchRun.objects.select_related("started_by"), pk=pk, kind="whatif")
    result = whatif_of_run(run) if run.state == "done" else None
    pack_name = ((run.summary or {}).get("input") or {}).get("pack_name", "")
    context = {
        "run": run,
        "result": result,
        "inputs": whatif_input_lines(run),
        "changed": [i for i in result.items if i.status != "unchanged"] if result else [],
        "editable": request.user.can("policies.manage") and whatif_draft_text(run.pk, pack_name) is not None,
        "pack_name": pack_name,
    }
    return render(request, "policies/whatif_detail.html", context)
