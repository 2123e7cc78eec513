"""The shared rooms: the home page, login and logout, changing one's password.

Not namespaced: `home`, `login`, `logout` and `password_change` are the names every app's templates link
to. Departments, staff and API tokens are registry's (they are its User and Department rows).
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from yingshang.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="core/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", views.PasswordChange.as_view(), name="password_change"),
]
