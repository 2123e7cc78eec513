"""12345 hotline import pages (营商办, appeals.dispatch): upload an export, map its columns to our
fields, read the preview with every problem by row, confirm. Thin: appeals.services.hotline does the
work; a district's office reaches only its own batches (core.scope)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from yingshang.appeals import hotline
from yingshang.appeals.models import HotlineBatch
from yingshang.appeals.services import AppealRefused
from yingshang.appeals.services import hotline as hotline_services
from yingshang.appeals.workflow import KIND_CHOICES
from yingshang.core import clock
from yingshang.core.forms import SpreadsheetField
from yingshang.core.permissions import AuthenticatedHttpRequest, capability_required
from yingshang.core.scope import Action, scoped
from yingshang.core.spreadsheets import ImportRefused, column_letter
from yingshang.registry.models import District, User

HISTORY_SIZE = 30


class HotlineUploadForm(forms.Form):
    file = SpreadsheetField(
        label="热线工单文件",
        help_text="12345 热线系统导出的 Excel 工作簿（.xlsx）或 CSV（UTF-8 或 GB18030 编码）",
        max_bytes=settings.IMPORT_MAX_BYTES,
        error_messages={"required": "请选择要导入的文件"},
    )


class HotlineMappingForm(forms.Form):
    """One choice per field: a column of the file or none; the district and type for blank cells."""

    def __init__(self, *args: Any, batch: HotlineBatch, districts: list[District], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        columns = [("", "（不导入）")] + [
            (str(i), f"{column_letter(i)} 列：{h}") for i, h in enumerate(batch.headers) if h
        ]
        for spec in hotline.FIELDS:
            self.fields[f"col_{spec.key}"] = forms.ChoiceField(
                label=spec.label + ("（必填）" if spec.required else ""),
                choices=columns,
                required=False,
                initial=str(batch.mapping[spec.key]) if spec.key in batch.mapping else "",
            )
        district_choices = [(str(d.pk), d.name) for d in districts]
        if len(districts) > 1:
            district_choices.insert(0, ("", "（按文件中的“所在区县”列）"))
        self.fields["default_district"] = forms.ChoiceField(
            label="整份文件的区县",
            choices=district_choices,
            required=False,
            initial=str(batch.default_district_id or ""),
            help_text="“所在区县”一列为空的行，或没有这一列时，诉求归入此区县",
        )
        self.fields["default_kind"] = forms.ChoiceField(
            label="默认诉求类型",
            choices=KIND_CHOICES,
            initial=batch.default_kind,
            help_text="“诉求类型”为空的行，或没有这一列时，按此类型计算办理时限",
        )
        self.districts = {str(d.pk): d for d in districts}

    def mapping(self) -> dict[str, int]:
        return {
            spec.key: int(self.cleaned_data[f"col_{spec.key}"])
            for spec in hotline.FIELDS
            if self.cleaned_data.get(f"col_{spec.key}")
        }

    def default_district(self) -> District | None:
        return self.districts.get(self.cleaned_data.get("default_district") or "")


def _batch(request: AuthenticatedHttpRequest, pk: int, action: Action = "view") -> HotlineBatch:
    rows = scoped(HotlineBatch.objects.all(), request.user, action)
    return get_object_or_404(rows.select_related("uploaded_by", "default_district"), pk=pk)


def _render_upload(
    request: AuthenticatedHttpRequest, form: HotlineUploadForm, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "batches": hotline_services.visible_batches(request.user)[:HISTORY_SIZE],
        "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "appeals/hotline_upload.html", context, status=status)


def _store(upload: Any) -> Path:
    path = hotline_services.upload_folder() / (
        f"{clock.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}{Path(upload.name).suffix.lower()}"
    )
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


@capability_required("appeals.dispatch")
def hotline_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload an export; its header row is found and the mapping page follows with a guessed mapping."""
    if request.method != "POST":
        return _render_upload(request, HotlineUploadForm())
    # A request far over IMPORT_MAX_BYTES never gets here: core.uploads refuses it from its length.
    form = HotlineUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_upload(request, form, status=400)
    upload = form.cleaned_data["file"]
    path = _store(upload)
    try:
        batch = hotline_services.start_batch(path, file_name=Path(upload.name).name, user=request.user)
    except (ImportRefused, AppealRefused) as refused:
        path.unlink(missing_ok=True)
        form.add_error("file", refused.message)
        return _render_upload(request, form, status=400)
    return redirect("appeals:hotline_batch", pk=batch.pk)


def _mapping_form(
    request: AuthenticatedHttpRequest, batch: HotlineBatch, data: Any = None
) -> HotlineMappingForm:
    return HotlineMappingForm(data, batch=batch, districts=hotline_services.allowed_districts(request.user))


def _render_batch(
    request: AuthenticatedHttpRequest, batch: HotlineBatch, form: HotlineMappingForm, status: int = 200
) -> HttpResponse:
    report = batch.report or {}
    context = {
        "batch": batch,
        "form": form,
        "field_rows": [form[f"col_{spec.key}"] for spec in hotline.FIELDS],
        "report": report,
        "problems": batch.problems,
        "more_problems": max(0, report.get("problem_count", 0) - len(batch.problems)),
        "more_notices": max(0, report.get("notice_count", 0) - len(report.get("notices", []))),
        "may_change": batch.state != "applied",
    }
    return render(request, "appeals/hotline_batch.html", context, status=status)


@capability_required("appeals.dispatch")
def hotline_batch(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The mapping step, and the preview (or the problem list, or the result) below it."""
    batch = _batch(request, pk)
    return _render_batch(request, batch, _mapping_form(request, batch))


@capability_required("appeals.dispatch")
@require_POST
def hotline_map(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk, "change")
    form = _mapping_form(request, batch, request.POST)
    if not form.is_valid():
        return _render_batch(request, batch, form, status=400)
    try:
        hotline_services.map_columns(
            batch,
            user=request.user,
            mapping=form.mapping(),
            default_district=form.default_district(),
            default_kind=form.cleaned_data["default_kind"],
        )
    except (AppealRefused, ImportRefused) as refused:
        form.add_error(None, refused.message)
        return _render_batch(request, batch, form, status=400)
    return redirect(reverse("appeals:hotline_batch", args=[batch.pk]) + "#preview")


@capability_required("appeals.dispatch")
@require_POST
def hotline_apply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk, "change")
    user: User = request.user
    try:
        result = hotline_services.apply_batch(batch, user=user)
    except (AppealRefused, ImportRefused) as refused:
        messages.error(request, refused.message)
    else:
        skipped = f"；{result.skipped} 条工单此前已导入，已跳过" if result.skipped else ""
        messages.success(request, f"导入完成：新增诉求 {result.created} 件{skipped}。新诉求在待分拨队列中。")
    return redirect("appeals:hotline_batch", pk=batch.pk)
