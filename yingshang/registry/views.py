"""Registry pages: the enterprise list, the enterprise page (企业画像), the audit trail, imports."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Any

from axes.models import AccessFailureLog, AccessLog
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from yingshang.core import clock, slots
from yingshang.core.models import ACCESS_KINDS, AccessRecord
from yingshang.core.money import format_fen
from yingshang.core.permissions import capability_required
from yingshang.core.scope import scoped, scoped_history
from yingshang.registry import industries, vocab
from yingshang.registry.fields import ENTERPRISE_FIELDS, SCALE_SOURCE, EnterpriseField
from yingshang.registry.models import District, Enterprise, User
from yingshang.registry.queries import CappedCountPaginator, EnterpriseFilters, filter_enterprises

PAGE_SIZE = 50
LOGIN_LINES = 5000  # the newest successes and failures read for the login record page
ACCESS_KINDS_BY_CODE = dict(ACCESS_KINDS)


@capability_required("registry.view")
def enterprise_list(request: HttpRequest) -> HttpResponse:
    filters = EnterpriseFilters.from_params(request.GET)
    qs = filter_enterprises(request.user.visible_enterprises(), filters)
    # The list never shows provenance; at a million rows the JSON is most of each row's width.
    qs = qs.select_related("district", "industry").defer("provenance").order_by("uscc")
    page = CappedCountPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "can_export": request.user.can("registry.export"),
        "filters": filters,
        "query": query.urlencode(),
        "sections": industries.sections(),
        "districts": _visible_districts(request.user),
        "scales": [*vocab.SCALES, ("unknown", "无法判定")],
        "qualification_kinds": vocab.QUALIFICATION_KINDS,
        "credit_classes": vocab.CREDIT_CLASSES,
        "statuses": vocab.STATUSES,
        "entity_types": vocab.ENTITY_TYPES,
    }
    template = "registry/_enterprise_rows.html" if request.htmx else "registry/enterprise_list.html"
    return render(request, template, context)


def _visible_districts(user: User) -> list[District]:
    if user.jurisdiction is not None:
        return [user.jurisdiction]
    return list(District.objects.all())


def _display_value(enterprise: Enterprise, f: EnterpriseField) -> str:
    field = f.name
    value = getattr(enterprise, field)
    if value is None or value == "":
        return "（暂无数据）"
    if f.kind == "money":
        return format_fen(value)
    if field == "employees":
        return f"{value} 人"
    if field == "industry":
        section = industries.industry_table().get(enterprise.industry_section)
        return f"{section.code} {section.name} / {value}" if section else str(value)
    if field == "scale":
        return f"{enterprise.get_scale_display()}（按统计上大中小微型企业划分办法（2017）计算）"
    display = getattr(enterprise, f"get_{field}_display", None)
    return display() if display else str(value)


def _profile_rows(enterprise: Enterprise) -> list[dict[str, str]]:
    rows = []
    for f in ENTERPRISE_FIELDS:  # in the page's order
        origin = enterprise.source_of(f.name) if f.recorded else {"source": SCALE_SOURCE, "as_of": ""}
        rows.append(
            {
                "label": f.label,
                "value": _display_value(enterprise, f),
                "source": origin.get("source", ""),
                "as_of": origin.get("as_of", ""),
            }
        )
    return rows


def _render_profile(request: HttpRequest, enterprise: Enterprise) -> HttpResponse:
    context = {
        "enterprise": enterprise,
        "rows": _profile_rows(enterprise),
        "qualifications": enterprise.qualifications.all(),
    }
    # The other apps' parts of the page (the 政策计算器 summary …), registered in their ready().
    context["page_sections"], parts = slots.enterprise_sections(request, enterprise)
    context.update(parts)
    return render(request, "registry/enterprise_detail.html", context)


@capability_required("registry.view")
def enterprise_detail(request: HttpRequest, uscc: str) -> HttpResponse:
    enterprise = get_object_or_404(
        request.user.visible_enterprises().select_related("district", "street", "industry"), uscc=uscc.upper()
    )
    return _render_profile(request, enterprise)


@capability_required("registry.own_enterprise")
def my_enterprise(request: HttpRequest) -> HttpResponse:
    enterprise = request.user.enterprise
    if enterprise is None:
        raise PermissionDenied("您的账号没有绑定企业")
    return _render_profile(request, enterprise)


CHANGE_LABELS = {"+": "新增", "~": "修改", "-": "删除"}


@capability_required("audit.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    audited = slots.audited()  # registered by each app in its ready()
    kind = request.GET.get("kind", "")
    if kind and kind not in audited:
        raise Http404("未知的记录类型")
    models = [audited[kind]] if kind else list(audited.values())
    # Each history table is read newest first and cut to what one page can show, then merged; only the
    # changes of objects in the viewer's reach (a district: its enterprises, departments and people).
    limit = PAGE_SIZE * 20
    records = sorted(
        chain.from_iterable(
            scoped_history(model.history.all(), request.user)
            .select_related("history_user")
            .order_by("-history_date")[:limit]
            for _, model in models
        ),
        key=lambda r: r.history_date,
        reverse=True,
    )
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = {model: label for label, model in audited.values()}
    entries = [
        {
            "record": record,
            "object": _object_label(record),
            "who": _who(record.history_user),
            "kind": labels[record.instance_type],
            "change": CHANGE_LABELS.get(record.history_type, record.history_type),
            "changes": _changes_of(record),
        }
        for record in page
    ]
    return render(
        request, "registry/audit_log.html", {"page": page, "entries": entries, "kinds": audited, "kind": kind}
    )


@capability_required("audit.view")
def access_log(request: HttpRequest) -> HttpResponse:
    """个人信息查看与下载记录 (core.access_log): who downloaded payment files and exports or saw contacts
    unmasked, when (北京时间), what, which object or filters, from which address; of the viewer's reach."""
    what = request.GET.get("what", "")
    if what and what not in ACCESS_KINDS_BY_CODE:
        raise Http404("未知的记录类型")
    records = scoped(AccessRecord.objects.all(), request.user)
    if what:
        records = records.filter(what=what)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "what": what, "kinds": ACCESS_KINDS}
    return render(request, "registry/access_log.html", context)


@dataclass
class LoginLine:
    at: Any
    username: str
    succeeded: bool
    address: str
    user_agent: str
    locked_out: bool = False


@capability_required("audit.view")
def login_log(request: HttpRequest) -> HttpResponse:
    """登录记录 (django-axes): every successful and every failed login, with the account, the address,
    the browser and the time (北京时间); of the accounts in the viewer's reach (the city's auditor also
    sees tries on names that are no account, which is what an attack looks like)."""
    outcome = request.GET.get("outcome", "")
    successes = AccessLog.objects.all()
    failures = AccessFailureLog.objects.all()
    if request.user.jurisdiction is not None:
        names = scoped(User.objects.all(), request.user).values("username")
        successes, failures = successes.filter(username__in=names), failures.filter(username__in=names)
    lines: list[LoginLine] = []
    if outcome != "failed":
        lines += [
            LoginLine(r.attempt_time, r.username or "", True, r.ip_address or "", r.user_agent)
            for r in successes.order_by("-attempt_time")[:LOGIN_LINES]
        ]
    if outcome != "succeeded":
        lines += [
            LoginLine(r.attempt_time, r.username or "", False, r.ip_address or "", r.user_agent, r.locked_out)
            for r in failures.order_by("-attempt_time")[:LOGIN_LINES]
        ]
    lines.sort(key=lambda line: line.at, reverse=True)
    page = Paginator(lines[:LOGIN_LINES], PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "registry/login_log.html", {"page": page, "outcome": outcome})


def _changes_of(record: object) -> list[dict[str, object]]:
    previous = record.prev_record
    if previous is None:
        return []
    delta = record.diff_against(previous)
    meta = record.instance_type._meta
    return [{"field": _field_label(meta, c.field), "old": c.old, "new": c.new} for c in delta.changes]


def _field_label(meta: Any, name: str) -> str:
    """The field's Chinese name ("联系电话"), not its code name."""
    try:
        return str(meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _object_label(record: Any) -> str:
    """What changed, as the pages name it ("宝鸡渭源钛材科技有限公司", "王晓梅（admin）"), never the history
    row's own English "… as of 2026-12-07 21:07:04+00:00"."""
    instance = record.instance
    full_name = getattr(instance, "get_full_name", None)
    if callable(full_name) and full_name():
        return f"{full_name()}（{instance.username}）"
    return str(instance)


def _who(user: Any) -> str:
    if user is None:
        return "系统"
    return f"{user.get_full_name()}（{user.username}）" if user.get_full_name() else user.username


# ---- 企业名录 import (registry.import) and export (registry.export) ----------------------------------
# Kept together at the end of the module; their imports are here so this block stays self-contained.

import tempfile  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib import messages  # noqa: E402
from django.http import FileResponse  # noqa: E402
from django.shortcuts import redirect  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402
from django_htmx.http import HttpResponseClientRedirect  # noqa: E402

from yingshang.core.access_log import describe_query, record_access  # noqa: E402
from yingshang.core.spreadsheets import XLSX_CONTENT_TYPE  # noqa: E402
from yingshang.registry import exporter, importer  # noqa: E402
from yingshang.registry.forms import ImportUploadForm  # noqa: E402
from yingshang.registry.models import ImportBatch  # noqa: E402

IMPORT_HISTORY_SIZE = 30


def _go(request: HttpRequest, url: str) -> HttpResponse:
    """Redirect; an htmx request gets its redirect as a header, so the whole page changes."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _store_upload(upload: object) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}{Path(upload.name).suffix.lower()}"
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


def _render_upload(
    request: HttpRequest, form: ImportUploadForm, status: int = 200, error: str = ""
) -> HttpResponse:
    if request.htmx:
        status = 200  # htmx swaps only 2xx answers; the form carries its errors either way
    context = {
        "form": form,
        "error": error,
        "batches": scoped(ImportBatch.objects.all(), request.user).select_related("uploaded_by")[
            :IMPORT_HISTORY_SIZE
        ],
        "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "registry/import_upload.html", context, status=status)


@capability_required("registry.import")
def import_upload(request: HttpRequest) -> HttpResponse:
    """Upload a 企业名录 file; it is read and checked at once and the preview page follows."""
    if request.method != "POST":
        importer.fail_dead_batches()  # a batch left 导入中 by a killed process shows as failed
        return _render_upload(request, ImportUploadForm(initial={"source": "市场监管局企业名录"}))
    # A request far over IMPORT_MAX_BYTES never gets here: core.uploads refuses it from its length.
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_upload(request, form, status=400)
    upload = form.cleaned_data["file"]
    path = _store_upload(upload)
    try:
        batch, _ = importer.preview_batch(
            path,
            file_name=Path(upload.name).name,
            as_of=form.cleaned_data["as_of"],
            source=form.cleaned_data["source"],
            user=request.user,
        )
    except importer.ImportRefused as refused:
        path.unlink(missing_ok=True)
        form.add_error("file", refused.message)
        return _render_upload(request, form, status=400)
    if batch.state == "rejected":
        path.unlink(missing_ok=True)  # it can never be applied; the problem list is kept
    return _go(request, reverse("registry:import_batch", args=[batch.pk]))


@capability_required("registry.import")
def import_batch(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview of a batch before 确认导入, and its result afterwards (only the batch's own district,
    or the city, may see it)."""
    importer.fail_dead_batches()
    batch = get_object_or_404(
        scoped(ImportBatch.objects.all(), request.user).select_related("uploaded_by"), pk=pk
    )
    report = batch.report or {}
    counts = report.get("counts", {})
    result = report.get("result") or {}
    context = {
        "batch": batch,
        "report": report,
        "counts": counts,
        "result": result,
        "problems": batch.problems,
        "more_problems": max(0, report.get("problem_count", 0) - len(batch.problems)),
        "bad_rows": batch.total_rows - batch.valid_rows,
        "file_kept": batch.state == "failed" and Path(batch.stored_path).is_file(),
    }
    return render(request, "registry/import_batch.html", context)


@capability_required("registry.import")
@require_POST
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(scoped(ImportBatch.objects.all(), request.user, "change"), pk=pk)
    try:
        result = importer.apply_batch(batch, user=request.user)
    except (importer.ImportRefused, importer.ImportFailed) as problem:
        messages.error(request, problem.message)
    else:
        messages.success(
            request,
            f"导入完成：新增 {result.created} 家，更新 {result.updated} 家，无变化 {result.unchanged} 家；"
            f"资质新增 {result.qualifications_created} 条，更新 {result.qualifications_updated} 条。",
        )
    return _go(request, reverse("registry:import_batch", args=[batch.pk]))


@capability_required("registry.import")
@require_POST
def import_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """重新导入 a failed batch: its stored file is read and checked again as a new batch, whose preview
    follows (to be confirmed as any other)."""
    batch = get_object_or_404(scoped(ImportBatch.objects.all(), request.user, "change"), pk=pk)
    try:
        retried = importer.retry_batch(batch, user=request.user)
    except importer.ImportRefused as refused:
        messages.error(request, refused.message)
        return _go(request, reverse("registry:import_batch", args=[batch.pk]))
    if retried.state == "rejected":
        Path(retried.stored_path).unlink(missing_ok=True)  # as for an upload: it can never be applied
    return _go(request, reverse("registry:import_batch", args=[retried.pk]))


def _xlsx_download(write: object, file_name: str) -> FileResponse:
    # Written to a temporary file, then streamed: a 100,000-row workbook never sits in memory.
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it
    write(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=file_name, content_type=XLSX_CONTENT_TYPE)


@capability_required("registry.import")
def import_template(request: HttpRequest) -> HttpResponse:
    return _xlsx_download(exporter.write_template, "企业名录导入模板.xlsx")


@capability_required("registry.export")
def enterprise_export(request: HttpRequest) -> HttpResponse:
    """The enterprise list as .xlsx: the list page's filters, within what this user may see."""
    filters = EnterpriseFilters.from_params(request.GET)
    enterprises = filter_enterprises(request.user.visible_enterprises(), filters)
    record_access(request, "registry_export", detail=describe_query(request.GET))
    return _xlsx_download(
        lambda handle: exporter.write_registry(enterprises, handle),
        f"企业名录-{clock.today():%Y%m%d}.xlsx",
    )
