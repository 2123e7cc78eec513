"""分拨模型 pages: upload labelled history to train a model (in the background, with a status line),
read its cross-validated report, and put it in use. Training and activating are the city's."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from yingshang.appeals import services, tasks
from yingshang.appeals.models import RoutingModel
from yingshang.appeals.routing import EvaluationReport
from yingshang.appeals.training import column_names
from yingshang.core.permissions import AuthenticatedHttpRequest, capability_required, city_level
from yingshang.core.scope import scoped


class TrainingForm(forms.Form):
    data = forms.FileField(
        label="历史诉求（.csv 或 .xlsx）", error_messages={"required": "请选择训练数据文件"}
    )
    text = forms.CharField(
        label="文本列", max_length=200, initial="留言主题,留言详情", help_text="可多个，用逗号分隔"
    )
    label = forms.CharField(label="类别列", max_length=100, initial="一级分类")


@capability_required("appeals.dispatch")
def routing_models(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.fail_dead_trainings()
    city = request.user.jurisdiction is None
    form = TrainingForm(request.POST or None, request.FILES or None) if city else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("分拨模型全市统一，只有市营商办可以训练")
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = tasks.start_training(
                    data["data"],
                    text_columns=column_names(data["text"]),
                    label_column=data["label"],
                    by=request.user,
                )
            except services.AppealRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "已提交训练，完成后可查看交叉验证报告并启用")
                return redirect("appeals:routing_model", pk=job.pk)
    rows = scoped(RoutingModel.objects.all(), request.user).select_related("created_by")
    return render(
        request,
        "appeals/routing_models.html",
        {"rows": rows, "form": form},
        status=400 if form and form.errors else 200,
    )


@capability_required("appeals.dispatch")
def routing_model(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(scoped(RoutingModel.objects.all(), request.user), pk=pk)
    report = EvaluationReport.from_dict(job.report) if job.report else None
    confusion = list(zip(report.labels, report.confusion, strict=True)) if report else []
    context = {
        "job": job,
        "report": report,
        "confusion": confusion,
        "unmatched": services.unmatched_labels(job) if job.state == "done" else [],
        "running": job.state in ("queued", "running"),
        "city": request.user.jurisdiction is None,
    }
    return render(request, "appeals/routing_model.html", context)


@require_POST
@city_level("appeals.dispatch")
def routing_activate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(scoped(RoutingModel.objects.all(), request.user, "change"), pk=pk)
    try:
        services.activate_model(job, by=request.user)
    except services.AppealRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已启用分拨模型 {job.version}：新受理的诉求按它提出分拨建议")
    return redirect("appeals:routing_model", pk=job.pk)
