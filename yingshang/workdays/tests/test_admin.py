"""The Django admin shows holiday years read-only: entry and confirmation go through the checked page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from yingshang.registry.models import User
from yingshang.workdays.services import save_arrangement
from yingshang.workdays.testing import fictional_2027_entries

pytestmark = pytest.mark.django_db


def test_a_superuser_sees_the_years_but_cannot_add_change_or_delete_them():
    holiday_year = save_arrangement(2027, fictional_2027_entries(), notice_title="测试用虚构样例")
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="Root-pass-123456"))
    assert client.get(reverse("admin:workdays_holidayyear_changelist")).status_code == 200
    assert client.get(reverse("admin:workdays_holidayyear_add")).status_code == 403
    change = client.post(
        reverse("admin:workdays_holidayyear_change", args=[holiday_year.pk]), {"is_confirmed": "on"}
    )
    assert change.status_code == 403
    holiday_year.refresh_from_db()
    assert not holiday_year.is_confirmed
    assert client.get(reverse("admin:workdays_holidayyear_delete", args=[holiday_year.pk])).status_code == 403
