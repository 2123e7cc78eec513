"""企业码: the signed link printed (as a QR code) on an enterprise's 明白卡.

A token names the enterprise and the code version it was issued for, and carries the moment that
version was issued, signed with the site's secret key (django.core.signing, own salt). Nothing
secret is stored: the card works until it is older than `ENTERPRISE_CODE_DAYS` or the office
reissues the card, which raises the version so every older token is refused.

Because the signature's timestamp is the version's issue time (not the moment a page was drawn),
the same version always gives the same link: a card printed twice carries the same QR code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from yingshang.core.errors import UserError
from yingshang.portal.models import EnterpriseCode
from yingshang.registry.models import Enterprise, User

SALT = "yingshang.portal.enterprise-code"
CONTACT = "请联系区营商环境办公室换领新卡"


class CodeRefused(UserError):
    """A token that does not open the enterprise page; the message says why, in Chinese."""


@dataclass(frozen=True)
class CodeClaim:
    """What a valid token says: whose page, which card version, when it was issued."""

    enterprise: Enterprise
    version: int
    issued_at: dt.datetime


class _IssuedAtSigner(signing.TimestampSigner):
    """A TimestampSigner whose timestamp is the code version's issue time, so a version's token is
    stable and its age counts from issuance."""

    def __init__(self, issued_at: dt.datetime) -> None:
        super().__init__(salt=SALT)
        self._issued_at = issued_at

    def timestamp(self) -> str:
        return signing.b62_encode(int(self._issued_at.timestamp()))


def max_age() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "ENTERPRISE_CODE_DAYS", 365))


def current_code(enterprise: Enterprise) -> EnterpriseCode:
    """The enterprise's code version, issuing the first one on first use."""
    code, _ = EnterpriseCode.objects.get_or_create(
        enterprise=enterprise, defaults={"version": 1, "issued_at": timezone.now().replace(microsecond=0)}
    )
    return code


def token_for(code: EnterpriseCode) -> str:
    payload = {"e": code.enterprise_id, "v": code.version}
    return _IssuedAtSigner(code.issued_at).sign_object(payload, compress=False)


def enterprise_token(enterprise: Enterprise) -> str:
    return token_for(current_code(enterprise))


def enterprise_code_url(enterprise: Enterprise) -> str:
    """The path of the enterprise's 企业码 link (`/e/<token>/`); make it absolute with the request."""
    return reverse("portal:code_entry", args=[enterprise_token(enterprise)])


def expires_at(code: EnterpriseCode) -> dt.datetime:
    return code.issued_at + max_age()


def is_expired(code: EnterpriseCode, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) > expires_at(code)


@transaction.atomic
def reissue_code(enterprise: Enterprise, *, by: User | None) -> EnterpriseCode:
    """A new card: the next version, issued now; every older token and code session stops working."""
    code = EnterpriseCode.objects.select_for_update().filter(enterprise=enterprise).first()
    now = timezone.now().replace(microsecond=0)
    if code is None:
        code = EnterpriseCode(enterprise=enterprise, version=0)
    code.version += 1
    code.issued_at = now
    code.issued_by = by
    code._change_reason = "重新签发企业码"  # type: ignore[attr-defined]
    code.save()
    return code


def _local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y年%m月%d日}"  # 北京时间 (TIME_ZONE)


def _issued_at_of(token: str) -> dt.datetime:
    """The issue time inside a token whose signature is already known to be good."""
    stamped = signing.Signer(salt=SALT).unsign(token)  # "payload:timestamp"
    return dt.datetime.fromtimestamp(signing.b62_decode(stamped.rsplit(":", 1)[1]), tz=dt.UTC)


def read_claim(token: str) -> CodeClaim:
    """The enterprise, version and issue time a token names, or CodeRefused saying what is wrong."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        payload = signer.unsign_object(token.strip(), max_age=max_age())
    except signing.SignatureExpired:
        raise CodeRefused(
            f"企业码已过期（签发于{_local(_issued_at_of(token.strip()))}），{CONTACT}"
        ) from None
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        raise CodeRefused(
            "企业码无效：链接已被篡改或不完整。请重新扫描明白卡上的二维码，或联系区营商环境办公室"
        ) from None
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("e"), int)
        or not isinstance(payload.get("v"), int)
    ):
        raise CodeRefused("企业码无效：链接内容不完整。请重新扫描明白卡上的二维码") from None
    code = EnterpriseCode.objects.select_related("enterprise").filter(enterprise_id=payload["e"]).first()
    if code is None:
        raise CodeRefused("企业码无效：找不到对应的企业，可能已被注销。请联系区营商环境办公室")
    if payload["v"] != code.version:
        raise CodeRefused(
            f"该企业码已作废：本企业的明白卡已于{_local(code.issued_at)}重新签发，旧卡不能再使用。"
            "请使用新卡上的二维码，或联系区营商环境办公室"
        )
    return CodeClaim(code.enterprise, code.version, _issued_at_of(token.strip()))


def read_code(token: str) -> Enterprise:
    """The enterprise a valid, current, unexpired 企业码 opens; CodeRefused otherwise."""
    return read_claim(token).enterprise


def check_session_code(enterprise_id: int, version: int) -> Enterprise:
    """A code session stays open only while its card version is current and unexpired."""
    code = EnterpriseCode.objects.select_related("enterprise").filter(enterprise_id=enterprise_id).first()
    if code is None or code.version != version:
        raise CodeRefused("本次企业码访问已失效：明白卡已重新签发，请扫描新卡上的二维码")
    if is_expired(code):
        raise CodeRefused(f"企业码已过期（签发于{_local(code.issued_at)}），{CONTACT}")
    return code.enterprise
