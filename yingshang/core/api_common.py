"""What every app's JSON API router shares: the error schemas every operation documents, the check of
the token's user (a role, a capability), and the patterns of common path and query values.

Paging is `core.paging`; who may see which rows is `core.scope`. Messages are Chinese, as on the pages.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.errors import HttpError

from yingshang.core.roles import Role

NO_ROLE = "您的账号尚未分配角色，无权访问接口数据，请联系营商办管理员"
NOT_ALLOWED = "您的角色无权访问该数据"
USCC_PATTERN = r"^[0-9A-Za-z]{18}$"
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
ITEM_KEY_PATTERN = r"^[a-z][a-z0-9_]{0,99}$"  # a reward item's key, as policy packs write it


class ErrorOut(Schema):
    detail: str = Field(..., description="中文错误说明", examples=["未找到该市场主体，或您无权查看"])


class FieldErrorOut(Schema):
    loc: list[str | int] = Field(..., description='出错位置，如 ["query", "page"]')
    field: str = Field(..., description="参数名")
    msg: str = Field(..., description="中文说明")
    type: str = Field(..., description="错误类型（pydantic 错误代码）")


class ValidationErrorOut(Schema):
    detail: str = Field(..., examples=["参数错误：page 不能小于 1"])
    errors: list[FieldErrorOut]


ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut}
ERRORS_WITH_404: dict[int, type[Schema]] = {**ERRORS, 404: ErrorOut}


def user_of(request: HttpRequest) -> Any:
    """The token's user; a user without a role gets a Chinese 403."""
    user = request.auth  # type: ignore[attr-defined]
    if user.role_enum == Role.NONE:
        raise HttpError(403, NO_ROLE)
    return user


def require(request: HttpRequest, *capabilities: str) -> Any:
    """The token's user when they hold one of the capabilities; otherwise a Chinese 403."""
    user = user_of(request)
    if not any(user.can(c) for c in capabilities):
        raise HttpError(403, NOT_ALLOWED)
    return user
