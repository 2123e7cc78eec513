"""Models: one message per (enterprise, channel, key) in the database itself; the inbox is not a
channel one can have a preference on. (Masking of contacts: core/tests/test_masking.py.)"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from yingshang.notifications.models import ChannelPreference, EnterpriseContact, Message


@pytest.mark.django_db
def test_the_database_refuses_a_second_message_with_the_same_key_on_a_channel(world):
    fields = {"enterprise": world.acme, "topic": "t", "subject": "s", "body": "b", "dedupe_key": "k"}
    Message.objects.create(channel="inbox", **fields)
    Message.objects.create(channel="sms", **fields)
    with pytest.raises(IntegrityError):
        Message.objects.create(channel="inbox", **fields)


@pytest.mark.django_db
def test_the_database_refuses_a_preference_on_the_inbox(world):
    with pytest.raises(IntegrityError):
        ChannelPreference.objects.create(enterprise=world.acme, channel="inbox", opted_out=True)


@pytest.mark.django_db
@pytest.mark.parametrize("mobile", ["13812341234", "19912345678", ""])
def test_a_mainland_mobile_number_or_none_is_accepted(world, mobile):
    EnterpriseContact(enterprise=world.acme, mobile=mobile).full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize("mobile", ["12812341234", "1381234123", "+8613812341234", "138-1234-1234"])
def test_other_mobile_numbers_are_refused(world, mobile):
    with pytest.raises(ValidationError) as error:
        EnterpriseContact(enterprise=world.acme, mobile=mobile).full_clean()
    assert "mobile" in error.value.message_dict
