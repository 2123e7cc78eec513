"""企业码 tokens: a round trip, a stable link per card version, and every way a token is refused
(forged, expired, revoked) with its Chinese message."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.urls import reverse

from yingshang.core import clock
from yingshang.portal import codes
from yingshang.portal.models import EnterpriseCode

pytestmark = pytest.mark.django_db


def token_in(url: str) -> str:
    prefix = "/e/"
    assert url.startswith(prefix) and url.endswith("/")
    return url[len(prefix) : -1]


def test_a_token_reads_back_as_its_enterprise(world):
    token = codes.enterprise_token(world.acme)
    assert codes.read_code(token) == world.acme
    claim = codes.read_claim(token)
    assert claim.version == 1 and claim.enterprise.uscc == world.acme.uscc


def test_the_code_url_opens_the_code_entry_page_with_the_token(world):
    url = codes.enterprise_code_url(world.acme)
    assert url == reverse("portal:code_entry", args=[codes.enterprise_token(world.acme)])
    assert codes.read_code(token_in(url)) == world.acme


def test_the_same_card_version_always_gives_the_same_link(world):
    first = codes.enterprise_code_url(world.acme)
    assert codes.enterprise_code_url(world.acme) == first
    assert EnterpriseCode.objects.filter(enterprise=world.acme).count() == 1


def test_two_enterprises_have_different_codes(world):
    acme, bolt = codes.enterprise_token(world.acme), codes.enterprise_token(world.bolt)
    assert acme != bolt
    assert codes.read_code(bolt) == world.bolt


def forged_variants(token: str) -> list[str]:
    payload, stamp, signature = token.split(":")
    other = signing.TimestampSigner(salt="another.salt").sign_object({"e": 1, "v": 1})
    swapped = signing.dumps({"e": 2, "v": 1})  # signed with the key, but not as an 企业码
    return [
        f"{payload}:{stamp}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",  # changed signature
        f"{payload[:-2]}:{stamp}:{signature}",  # changed payload
        token[: len(token) // 2],  # cut short (a torn card, a half-copied link)
        "not-a-token",
        "",
        "::",
        "企业码:abc:def",
        "a" * 5000,
        other,
        swapped,
    ]


def test_a_forged_or_incomplete_token_is_refused_as_tampered(world):
    token = codes.enterprise_token(world.acme)
    for forged in forged_variants(token):
        with pytest.raises(codes.CodeRefused, match="企业码无效：链接已被篡改或不完整"):
            codes.read_code(forged)


def test_an_expired_token_is_refused_naming_its_issue_day(world):
    issued = clock.now() - dt.timedelta(days=400)
    EnterpriseCode.objects.create(enterprise=world.acme, version=1, issued_at=issued)
    token = codes.enterprise_token(world.acme)
    day = f"{clock.local(issued):%Y年%m月%d日}"
    with pytest.raises(codes.CodeRefused, match=f"企业码已过期（签发于{day}），请联系区营商环境办公室换领"):
        codes.read_code(token)


def test_the_validity_comes_from_the_setting(world, settings):
    settings.ENTERPRISE_CODE_DAYS = 30
    EnterpriseCode.objects.create(
        enterprise=world.acme, version=1, issued_at=clock.now() - dt.timedelta(days=31)
    )
    with pytest.raises(codes.CodeRefused, match="已过期"):
        codes.read_code(codes.enterprise_token(world.acme))
    settings.ENTERPRISE_CODE_DAYS = 365
    assert codes.read_code(codes.enterprise_token(world.acme)) == world.acme


def test_a_reissued_card_revokes_the_old_token_and_the_new_one_works(world):
    old = codes.enterprise_token(world.acme)
    code = codes.reissue_code(world.acme, by=world.admin)
    assert code.version == 2 and code.issued_by == world.admin
    with pytest.raises(codes.CodeRefused, match=r"该企业码已作废：本企业的明白卡已于.*重新签发"):
        codes.read_code(old)
    new = codes.enterprise_token(world.acme)
    assert new != old and codes.read_code(new) == world.acme


def test_reissuing_records_who_did_it_in_the_history(world):
    codes.enterprise_token(world.acme)
    codes.reissue_code(world.acme, by=world.admin)
    latest = EnterpriseCode.objects.get(enterprise=world.acme).history.first()
    assert latest.history_change_reason == "重新签发企业码" and latest.version == 2


def test_a_token_of_an_enterprise_without_a_code_row_is_refused(world):
    token = codes.enterprise_token(world.acme)
    EnterpriseCode.objects.filter(enterprise=world.acme).delete()
    with pytest.raises(codes.CodeRefused, match="找不到对应的企业"):
        codes.read_code(token)


def test_a_session_code_ends_when_the_card_is_reissued_or_expires(world):
    code = codes.current_code(world.acme)
    assert codes.check_session_code(world.acme.pk, code.version) == world.acme
    codes.reissue_code(world.acme, by=None)
    with pytest.raises(codes.CodeRefused, match="重新签发"):
        codes.check_session_code(world.acme.pk, code.version)
    EnterpriseCode.objects.filter(enterprise=world.acme).update(
        issued_at=clock.now() - dt.timedelta(days=366)
    )
    with pytest.raises(codes.CodeRefused, match="已过期"):
        codes.check_session_code(world.acme.pk, 2)
