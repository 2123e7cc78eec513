"""接收设置 (views.preferences): contact details validated field by field in Chinese, SMS / e-mail switched
on and off, nothing saved when anything is wrong."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yingshang.notifications import services
from yingshang.notifications.models import ChannelPreference, EnterpriseContact

pytestmark = pytest.mark.django_db
URL = reverse("notifications:preferences")
GOOD = {
    "contact_name": "张三",
    "mobile": "13812341234",
    "email": "boss@example.com",
    "sms": "on",
    "email_on": "on",
}


def test_the_form_starts_with_both_channels_on_and_no_contact(world):
    page = world.client_for(world.owner).get(URL).content.decode()
    assert world.acme.name in page
    assert page.count("checked") == 2
    assert 'name="mobile"' in page


def test_saving_stores_the_contact_and_the_switches(world):
    response = world.client_for(world.owner).post(URL, {**GOOD, "sms": ""}, follow=True)
    assert "接收设置已保存" in response.content.decode()
    contact = EnterpriseContact.objects.get(enterprise=world.acme)
    assert (contact.contact_name, contact.mobile, contact.email) == (
        "张三",
        "13812341234",
        "boss@example.com",
    )
    assert services.opted_out_channels(world.acme) == {"sms"}


def test_the_saved_values_are_shown_again(world):
    client = world.client_for(world.owner)
    client.post(URL, {**GOOD, "email_on": ""})
    page = client.get(URL).content.decode()
    assert 'value="13812341234"' in page
    assert page.count("checked") == 1


def test_opting_back_in_is_possible(world):
    client = world.client_for(world.owner)
    client.post(URL, {**GOOD, "sms": "", "email_on": ""})
    client.post(URL, GOOD)
    assert services.opted_out_channels(world.acme) == set()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mobile", "12812341234", "手机号：格式不正确：应为 11 位数字、以 1 开头、第二位为 3–9"),
        ("mobile", "1381234123", "手机号：格式不正确"),
        ("mobile", "138123412345", "手机号：应为 11 位数字"),
        ("mobile", "1381234abcd", "手机号：格式不正确"),
        ("email", "boss@", "电子邮箱：格式不正确，应形如 name@example.com"),
        ("email", "not an address", "电子邮箱：格式不正确"),
    ],
)
def test_bad_contact_details_are_refused_naming_the_field_and_nothing_is_saved(world, field, value, message):
    response = world.client_for(world.owner).post(URL, {**GOOD, field: value, "sms": ""})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not EnterpriseContact.objects.exists()
    assert not ChannelPreference.objects.exists()


def test_one_enterprises_settings_do_not_touch_another(world):
    world.client_for(world.other_owner).post(URL, {**GOOD, "sms": ""})
    assert services.opted_out_channels(world.acme) == set()
    assert EnterpriseContact.objects.get().enterprise == world.bolt
