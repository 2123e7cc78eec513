"""接诉即办 pages: the public form and tracking link (anyone), the staff list and appeal pages."""

from django.urls import path

from yingshang.appeals.views import analytics, codes, public, staff

app_name = "appeals"

urlpatterns = [
    path("new/", public.appeal_new, name="new"),
    path("t/<str:token>/", public.track, name="track"),
    path("", staff.appeal_list, name="appeal_list"),
    path("codes/", codes.qr_codes, name="qr_codes"),
    path("analytics/", analytics.analytics_page, name="analytics"),
    path("analytics/export/", analytics.analytics_export, name="analytics_export"),
    path("<str:number>/", staff.appeal_detail, name="appeal_detail"),
    path("<str:number>/act/", staff.appeal_act, name="appeal_act"),
]
