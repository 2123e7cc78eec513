"""The one JSON API (django-ninja). Schema at /api/openapi.json, interactive docs at /api/docs.

Every operation needs `Authorization: Bearer ys_…`; what the user may then see is decided per call
by the router (role capability, then object scope). Errors are always JSON `{"detail": "中文说明"}`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from yingshang.registry.models import ApiToken

logger = logging.getLogger("yingshang.api")

UNAUTHORIZED = (
    "未提供有效的接口令牌：请在请求头中加入 Authorization: Bearer <令牌>；令牌可在“接口令牌”页面申请"
)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer ys_…`; tokens are issued on the 接口令牌 page or by `yingshang issue_token`."""

    def authenticate(self, request: HttpRequest, token: str):  # type: ignore[override]
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="营商环境服务平台 API",
    version="1",
    description=(
        "市场主体、资质、部门等数据接口。使用接口令牌认证：`Authorization: Bearer <令牌>`。"
        "令牌在网页“接口令牌”页面（/account/tokens/）申请，或由管理员用 `yingshang issue_token` 签发。"
        '金额一律为整数“分”（字段名以 _fen 结尾）。错误以 JSON 返回：`{"detail": "中文说明"}`。'
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    # validatorUrl=None: Swagger UI would otherwise fetch a badge from validator.swagger.io (offline rule).
    docs=Swagger(settings={"validatorUrl": None, "defaultModelsExpandDepth": 0}),
)


# ---- errors: JSON with a Chinese `detail`, never an HTML page or a traceback -------------------


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, {"detail": UNAUTHORIZED}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="yingshang"'
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    # core.scope.require_city_level and other scope refusals carry their Chinese reason.
    return api.create_response(request, {"detail": str(exc) or "您的角色无权访问该数据"}, status=403)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "未找到该记录，或您无权查看"}, status=404)


@api.exception_handler(ValidationError)
def _invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [describe_validation_error(e) for e in exc.errors]
    detail = "参数错误：" + "；".join(f"{e['field']} {e['msg']}" for e in errors)
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return api.create_response(request, {"detail": "服务器内部错误，请稍后重试或联系管理员"}, status=500)


# pydantic error type → Chinese message; `{…}` is filled from the error's ctx.
VALIDATION_MESSAGES: dict[str, str] = {
    "missing": "缺少必填参数",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "必须大于 {gt}",
    "less_than_equal": "不能大于 {le}",
    "less_than": "必须小于 {lt}",
    "literal_error": "取值无效，可选值：{expected}",
    "enum": "取值无效，可选值：{expected}",
    "date_parsing": "应为日期，格式 YYYY-MM-DD",
    "date_from_datetime_parsing": "应为日期，格式 YYYY-MM-DD",
    "date_from_datetime_inexact": "应为日期，格式 YYYY-MM-DD",
    "date_type": "应为日期，格式 YYYY-MM-DD",
    "string_too_long": "长度不能超过 {max_length} 个字符",
    "string_too_short": "长度不能少于 {min_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "string_type": "应为文本",
}


def describe_validation_error(error: dict[str, Any]) -> dict[str, Any]:
    """One pydantic/ninja error as {loc, field, msg (Chinese), type}."""
    loc = [part if isinstance(part, int) else str(part) for part in error.get("loc", ())]
    kind = str(error.get("type", ""))
    template = VALIDATION_MESSAGES.get(kind)
    ctx = dict(error.get("ctx") or {})
    if isinstance(ctx.get("expected"), str):
        # pydantic lists choices as "'a', 'b' or 'c'"; the message should not switch to English.
        ctx["expected"] = ctx["expected"].replace(" or ", ", ")
    try:
        msg = template.format(**ctx) if template else f"取值无效（{error.get('msg', '')}）"
    except (KeyError, IndexError):
        msg = "取值无效"
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    return {"loc": loc, "field": field, "msg": msg, "type": kind}


from yingshang.registry.api import router as registry_router  # noqa: E402

api.add_router("/registry/", registry_router)

from yingshang.policies.api import router as policies_router  # noqa: E402

api.add_router("/policies/", policies_router)

from yingshang.entitlements.api import router as entitlements_router  # noqa: E402

api.add_router("/policies/", entitlements_router)
