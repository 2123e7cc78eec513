"""Forms of the platform core: assigning a person's role and department."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from yingshang.registry.models import Department, Enterprise, User


class StaffForm(forms.ModelForm):
    """Role, department and enterprise of one user; the model's clean() checks they fit together."""

    enterprise_uscc = forms.CharField(
        label="所属企业统一社会信用代码", required=False, max_length=18, help_text="仅企业用户填写"
    )

    class Meta:
        model = User
        fields = ["first_name", "role", "department", "phone", "is_active"]
        labels = {"first_name": "姓名", "is_active": "启用"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = Department.objects.order_by("code")
        role = cast(forms.ChoiceField, self.fields["role"])
        role.required = False
        role.choices = [("", "未分配角色"), *(User._meta.get_field("role").choices or ())]
        if self.instance.enterprise_id:
            self.fields["enterprise_uscc"].initial = self.instance.enterprise.uscc

    def clean_enterprise_uscc(self) -> Enterprise | None:
        code = self.cleaned_data["enterprise_uscc"].strip().upper()
        if not code:
            return None
        enterprise = Enterprise.objects.filter(uscc=code).first()
        if enterprise is None:
            raise forms.ValidationError(f"名录中没有统一社会信用代码为 {code} 的市场主体")
        return enterprise

    def _post_clean(self) -> None:
        # The enterprise comes from a USCC field, so bind it before the model validates the combination.
        self.instance.enterprise = self.cleaned_data.get("enterprise_uscc")
        super()._post_clean()  # type: ignore[misc]  # private in Django's stubs

    def _update_errors(self, errors: ValidationError) -> None:
        # The model reports on `enterprise`; on this form that is the USCC field.
        if hasattr(errors, "error_dict") and "enterprise" in errors.error_dict:
            messages = errors.error_dict.pop("enterprise")
            if "enterprise_uscc" not in self.errors:
                errors.error_dict["enterprise_uscc"] = messages
        super()._update_errors(errors)  # type: ignore[misc]  # private in Django's stubs
