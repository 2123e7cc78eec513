"""The category → department table (诉求类别): which bureau handles which kind of matter. One table for
the city: district offices read it, the city's office edits it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from yingshang.appeals.models import Category
from yingshang.core.permissions import AuthenticatedHttpRequest, capability_required, city_level
from yingshang.core.scope import scoped


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["code", "name", "department_name", "order", "is_active"]
        error_messages = {
            "code": {"unique": "编码已被其他类别使用", "required": "请填写编码"},
            "name": {"unique": "已有同名类别", "required": "请填写类别名称"},
            "department_name": {"required": "请填写承办部门（不含区县名，如“市场监管局”）"},
        }


@capability_required("appeals.dispatch")
def category_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = scoped(Category.objects.all(), request.user)
    editable = request.user.jurisdiction is None
    return render(
        request,
        "appeals/categories.html",
        {"rows": rows, "form": CategoryForm() if editable else None, "editable": editable},
    )


@city_level("appeals.dispatch")
def category_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    category = (
        get_object_or_404(scoped(Category.objects.all(), request.user, "change"), pk=pk) if pk else None
    )
    form = CategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"已保存类别“{saved.name}”：由各区的{saved.department_name}承办")
        return redirect("appeals:categories")
    status = 400 if request.method == "POST" else 200
    return render(request, "appeals/category_edit.html", {"form": form, "category": category}, status=status)
