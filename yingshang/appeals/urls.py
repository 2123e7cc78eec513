"""接诉即办 pages: the public form and tracking link (anyone), the staff list and appeal pages."""

from django.urls import path

from yingshang.appeals import views

app_name = "appeals"

urlpatterns = [
    path("new/", views.appeal_new, name="new"),
    path("t/<str:token>/", views.track, name="track"),
    path("", views.appeal_list, name="appeal_list"),
    path("codes/", views.qr_codes, name="qr_codes"),
    path("<str:number>/", views.appeal_detail, name="appeal_detail"),
    path("<str:number>/act/", views.appeal_act, name="appeal_act"),
]
