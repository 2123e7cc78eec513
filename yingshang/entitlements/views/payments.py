"""拨付批次: payment files for the finance bureau and the receipts that come back. A batch is one
district's: another district's is a 404 (core.scope)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from yingshang.core.access_log import record_access
from yingshang.core.permissions import capability_required
from yingshang.core.scope import scoped
from yingshang.entitlements import services as service
from yingshang.entitlements.forms import (
    PaymentFileForm,
)
from yingshang.entitlements.models import PaymentBatch
from yingshang.entitlements.views.common import BATCHES_PAGE_SIZE, xlsx_response

# ==================================================================================================
# 拨付批次: payment files for the finance bureau
# ==================================================================================================


@capability_required("entitlements.manage")
def batch_list(request: HttpRequest) -> HttpResponse:
    batches = scoped(PaymentBatch.objects.all(), request.user).select_related("created_by", "district")
    batches = batches.order_by("-created_at", "-pk")
    page = Paginator(batches, BATCHES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "entitlements/batch_list.html", {"page": page, "form": PaymentFileForm()})


@capability_required("entitlements.manage")
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(
        scoped(PaymentBatch.objects.all(), request.user).select_related("created_by"), pk=pk
    )
    rows = batch.entitlements.select_related("enterprise", "item").order_by("pk")
    context = {"batch": batch, "rows": rows, "form": PaymentFileForm(), "errors": [], "result": None}
    return render(request, "entitlements/batch_detail.html", context)


@capability_required("entitlements.manage")
def batch_download(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(scoped(PaymentBatch.objects.all(), request.user), pk=pk)
    data = service.payment_batch_workbook(batch)
    record_access(request, "payment_file", batch)
    return xlsx_response(data, f"拨付文件-{batch.number}.xlsx")


@capability_required("entitlements.manage")
@require_POST
def batch_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """The finance bureau's returned file: all rows recorded, or none (the errors listed)."""
    batch = get_object_or_404(
        scoped(PaymentBatch.objects.all(), request.user, "change").select_related("created_by"), pk=pk
    )
    form = PaymentFileForm(request.POST, request.FILES)
    rows = batch.entitlements.select_related("enterprise", "item").order_by("pk")
    context: dict[str, Any] = {"batch": batch, "rows": rows, "form": form, "errors": [], "result": None}
    if not form.is_valid():
        context["errors"] = [m for ms in form.errors.values() for m in ms]
        return render(request, "entitlements/batch_detail.html", context, status=400)
    upload = form.cleaned_data["file"]
    try:
        result = service.import_payment_file(batch, upload.read(), upload.name, by=request.user)
    except service.EntitlementRefused as exc:
        context["errors"] = [str(exc)]
        return render(request, "entitlements/batch_detail.html", context, status=400)
    if result.errors:
        context["errors"] = list(result.errors)
        return render(request, "entitlements/batch_detail.html", context, status=400)
    context["result"] = result
    batch.refresh_from_db()
    return render(request, "entitlements/batch_detail.html", context)
