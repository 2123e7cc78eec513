"""Forms of the platform core: assigning a person's role and department, within the granter's reach."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from yingshang.core.scope import grantable_departments, grantable_roles, is_city_level, scoped
from yingshang.registry.models import Department, Enterprise, User


class StaffForm(forms.ModelForm):
    """Role, department and enterprise of one user; the model's clean() checks they fit together.

    The granter (core.scope) offers only what is inside its reach: a district 营商办 its district's
    departments and enterprises, so it can never make anyone city-level or another district's admin."""

    enterprise_uscc = forms.CharField(
        label="所属企业统一社会信用代码", required=False, max_length=18, help_text="仅企业用户填写"
    )

    class Meta:
        model = User
        fields = ["first_name", "role", "department", "phone", "is_active"]
        labels = {"first_name": "姓名", "is_active": "启用"}

    def __init__(self, *args: Any, granter: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.granter = granter
        department = cast(forms.ModelChoiceField, self.fields["department"])
        department.queryset = grantable_departments(Department.objects.order_by("code"), granter)
        department.error_messages["invalid_choice"] = "所选部门不在您可以分配的范围内"
        role = cast(forms.ChoiceField, self.fields["role"])
        role.required = False
        labels = dict(User._meta.get_field("role").choices or ())
        role.choices = [(r.value, labels.get(r.value, "未分配角色")) for r in grantable_roles(granter)]
        role.error_messages["invalid_choice"] = "所选角色不在您可以分配的范围内"
        if self.instance.enterprise_id:
            self.fields["enterprise_uscc"].initial = self.instance.enterprise.uscc

    def clean_enterprise_uscc(self) -> Enterprise | None:
        code = self.cleaned_data["enterprise_uscc"].strip().upper()
        if not code:
            return None
        enterprise = scoped(Enterprise.objects.all(), self.granter, "change").filter(uscc=code).first()
        if enterprise is None:
            # The same answer for one that does not exist and one of another district.
            beyond = "" if is_city_level(self.granter) else "，或它不在您的辖区内"
            raise forms.ValidationError(f"名录中没有统一社会信用代码为 {code} 的市场主体{beyond}")
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
