"""接诉即办 pages: the public form and tracking link (anyone), the staff list and appeal pages."""

from django.urls import path

from yingshang.appeals.views import analytics, categories, codes, hotline, public, routing, staff

app_name = "appeals"

urlpatterns = [
    path("new/", public.appeal_new, name="new"),
    path("t/<str:token>/", public.track, name="track"),
    path("rate/", public.rate_service, name="rate"),
    path("ratings/", staff.ratings, name="ratings"),
    path("", staff.appeal_list, name="appeal_list"),
    path("codes/", codes.qr_codes, name="qr_codes"),
    path("categories/", categories.category_list, name="categories"),
    path("routing/", routing.routing_models, name="routing_models"),
    path("routing/<int:pk>/", routing.routing_model, name="routing_model"),
    path("routing/<int:pk>/activate/", routing.routing_activate, name="routing_activate"),
    path("categories/new/", categories.category_edit, name="category_add"),
    path("categories/<int:pk>/", categories.category_edit, name="category_edit"),
    path("analytics/", analytics.analytics_page, name="analytics"),
    path("analytics/export/", analytics.analytics_export, name="analytics_export"),
    path("hotline/", hotline.hotline_upload, name="hotline_upload"),
    path("hotline/<int:pk>/", hotline.hotline_batch, name="hotline_batch"),
    path("hotline/<int:pk>/map/", hotline.hotline_map, name="hotline_map"),
    path("hotline/<int:pk>/apply/", hotline.hotline_apply, name="hotline_apply"),
    path("<str:number>/", staff.appeal_detail, name="appeal_detail"),
    path("<str:number>/act/", staff.appeal_act, name="appeal_act"),
]
