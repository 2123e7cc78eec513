"""Who is looking at the enterprise page (/e/): a code session opened with the 企业码, or a logged-in
enterprise user. Everyone else is sent to the login page (anonymous) or refused (403).

A code session is two values in the Django session: the enterprise id and the card version. Each
request checks them against the current card, so reissuing a card ends every session opened with the
old one, and an expired card ends them too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from yingshang.core.errors import UserError
from yingshang.portal import codes
from yingshang.registry.models import Enterprise, User

SESSION_KEY = "portal_code"
VIA_CODE = "企业码"
VIA_LOGIN = "登录"


@dataclass(frozen=True)
class Viewer:
    """The enterprise whose page this is, how the visitor got in, and the account when logged in."""

    enterprise: Enterprise
    via: str  # VIA_CODE or VIA_LOGIN
    user: User | None

    @property
    def by_code(self) -> bool:
        return self.via == VIA_CODE


class CodeSessionEnded(UserError):
    """The code session's card was reissued or expired; the message says so."""


def open_code_session(request: HttpRequest, claim: codes.CodeClaim) -> None:
    # A new session key: a code link opened on a shared computer does not inherit an older session.
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"enterprise": claim.enterprise.pk, "version": claim.version}
    # A scanned card can set bank details: its session ends after a short idle time (settings).
    request.session.set_expiry(settings.CODE_SESSION_SECONDS)


def close_code_session(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def logged_in_enterprise(request: HttpRequest) -> Enterprise | None:
    user = request.user
    if user.is_authenticated and user.can("entitlements.own") and user.enterprise_id:
        return user.enterprise
    return None


def viewer_of(request: HttpRequest) -> Viewer | None:
    """The page's viewer, or None when neither a code session nor an enterprise login is present.

    A logged-in enterprise account wins over a code session (its own page, as itself). Raises
    CodeSessionEnded (and forgets the session) when the card behind the code session is no longer
    current."""
    own = logged_in_enterprise(request)
    if own is not None:
        return Viewer(own, VIA_LOGIN, request.user)
    held = request.session.get(SESSION_KEY)
    if not held:
        return None
    try:
        enterprise = codes.check_session_code(int(held["enterprise"]), int(held["version"]))
    except (codes.CodeRefused, KeyError, TypeError, ValueError) as exc:
        close_code_session(request)
        raise CodeSessionEnded(
            str(exc) if isinstance(exc, codes.CodeRefused) else "企业码访问已失效"
        ) from None
    user = request.user if request.user.is_authenticated else None
    return Viewer(enterprise, VIA_CODE, user)
