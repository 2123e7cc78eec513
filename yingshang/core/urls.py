"""The shared rooms: the home page, login and logout, departments and staff, API tokens.

Not namespaced: `home`, `login`, `logout`, `departments` and `staff_edit` are the names every app's
templates link to. API tokens keep their `api_tokens` namespace.
"""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from yingshang.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="core/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("departments/", views.departments, name="departments"),
    path("departments/staff/<str:username>/", views.staff_edit, name="staff_edit"),
    path("account/password/", views.PasswordChange.as_view(), name="password_change"),
    path("account/tokens/", include("yingshang.core.api_tokens")),
]
