"""Forms of the registry pages: the 企业名录 upload."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings

from yingshang.core.fields import DayField
from yingshang.registry.importer import ImportRefused, check_size
from yingshang.registry.models import ImportBatch


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="名录文件",
        help_text="Excel 工作簿（.xlsx）或 CSV（UTF-8 或 GB18030 编码）；表头见“导入格式说明”",
        error_messages={
            "required": "请选择要导入的文件",
            "empty": "文件是空的（0 字节），请检查是否选错了文件",
        },
    )
    as_of = DayField(
        label="数据截至日期",
        invalid="日期格式应为 2026-06-30",
        error_messages={"required": "请填写数据截至日期"},
    )
    source = forms.CharField(
        label="数据来源",
        max_length=200,
        help_text="例如：市场监管局企业名录（2026年6月）",
        error_messages={"required": "请填写数据来源"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise forms.ValidationError(
                f"只支持 .xlsx 和 .csv 文件，“{upload.name}”的扩展名是“{suffix or '无'}”"
            )
        try:
            check_size(upload.size, settings.IMPORT_MAX_BYTES)
        except ImportRefused as refused:
            raise forms.ValidationError(refused.message) from None
        return upload

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        problem = ImportBatch.as_of_problem(as_of)
        if problem:
            raise forms.ValidationError(problem)
        return as_of
