"""The URL map: each app's `urls.py` under its prefix (docs/development.md, "The app template")."""

from django.contrib import admin
from django.urls import include, path

from yingshang.api import api

urlpatterns = [
    path("", include("yingshang.core.urls")),  # home, login and logout, password
    path("registry/", include("yingshang.registry.urls")),
    # Registry's people pages keep their short, un-namespaced paths and names (departments, staff_edit).
    path("departments/", include("yingshang.registry.staff")),
    path("account/tokens/", include("yingshang.registry.api_tokens")),
    path("calendar/", include("yingshang.workdays.urls")),
    path("policies/", include("yingshang.policies.urls")),
    path("policies/", include("yingshang.entitlements.urls")),  # 政策兑现 keeps the paths clerks know
    path("messages/", include("yingshang.notifications.urls")),
    path("appeals/", include("yingshang.appeals.urls")),
    path("open311/v2/", include("yingshang.appeals.open311_urls")),  # 开放接口 (Open311 GeoReport v2)
    path("api/", api.urls),
    path("", include("yingshang.portal.urls")),  # /e/ (企业码), /gongshi/, /zhengce/, /portal/cards/
    path("django-admin/", admin.site.urls),
]

handler403 = "yingshang.core.views.permission_denied"
handler404 = "yingshang.core.views.page_not_found"
handler500 = "yingshang.core.views.server_error"
