"""接诉即办 pages: the public form and tracking link (anyone), the staff list and appeal pages."""

from django.urls import path

from yingshang.appeals.views import codes, hotline, public, staff

app_name = "appeals"

urlpatterns = [
    path("new/", public.appeal_new, name="new"),
    path("t/<str:token>/", public.track, name="track"),
    path("", staff.appeal_list, name="appeal_list"),
    path("codes/", codes.qr_codes, name="qr_codes"),
    path("hotline/", hotline.hotline_upload, name="hotline_upload"),
    path("hotline/<int:pk>/", hotline.hotline_batch, name="hotline_batch"),
    path("hotline/<int:pk>/map/", hotline.hotline_map, name="hotline_map"),
    path("hotline/<int:pk>/apply/", hotline.hotline_apply, name="hotline_apply"),
    path("<str:number>/", staff.appeal_detail, name="appeal_detail"),
    path("<str:number>/act/", staff.appeal_act, name="appeal_act"),
]
