"""The preferences form: who to reach and on which channels (the inbox is always on)."""

from __future__ import annotations

from django import forms

from yingshang.notifications.models import mobile_validator


class PreferencesForm(forms.Form):
    contact_name = forms.CharField(label="联系人", max_length=50, required=False)
    mobile = forms.CharField(
        label="手机号",
        max_length=11,
        required=False,
        validators=[mobile_validator],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "13812341234"}),
        error_messages={"max_length": "应为 11 位数字"},
    )
    email = forms.EmailField(
        label="电子邮箱",
        max_length=254,
        required=False,
        error_messages={"invalid": "格式不正确，应形如 name@example.com"},
    )
    # A switched-on channel without an address sends nothing; the page says so next to the box.
    sms = forms.BooleanField(label="接收短信通知", required=False)
    email_on = forms.BooleanField(label="接收电子邮件通知", required=False)
