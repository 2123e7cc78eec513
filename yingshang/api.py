"""The one JSON API (django-ninja). Schema at /api/openapi.json, interactive docs at /api/docs."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import HttpBearer

from yingshang.registry.models import ApiToken


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
    description="市场主体、资质、部门等数据接口。使用接口令牌认证：`Authorization: Bearer <令牌>`。",
    auth=TokenAuth(),
    urls_namespace="api",
)

from yingshang.registry.api import router as registry_router  # noqa: E402

api.add_router("/registry/", registry_router)
