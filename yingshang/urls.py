from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from yingshang.api import api
from yingshang.core import views as core_views
from yingshang.registry import staff

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="core/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("departments/", staff.departments, name="departments"),
    path("departments/staff/<str:username>/", staff.staff_edit, name="staff_edit"),
    path("registry/", include("yingshang.registry.urls")),
    path("calendar/", include("yingshang.workdays.urls")),
    path("policies/", include("yingshang.policies.urls")),
    path("policies/", include("yingshang.entitlements.urls")),
    path("messages/", include("yingshang.notifications.urls")),
    path("api/", api.urls),
    path("", include("yingshang.portal.urls")),  # /e/ (企业码), /gongshi/, /zhengce/, /portal/cards/
    path("account/tokens/", include("yingshang.registry.api_tokens")),
    path("django-admin/", admin.site.urls),
]

handler403 = "yingshang.core.views.permission_denied"
handler404 = "yingshang.core.views.page_not_found"
handler500 = "yingshang.core.views.server_error"
