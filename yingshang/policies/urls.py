from django.urls import path

from yingshang.policies import views, views_entitlements, views_reports

app_name = "policies"

urlpatterns = [
    path("", views.library, name="library"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("packs/<slug:name>/", views.pack_detail, name="pack_detail"),
    path("packs/<slug:name>/versions/<int:pk>/", views.pack_version, name="pack_version"),
    path("packs/<slug:name>/edit/", views.pack_edit, name="pack_edit"),
    path("packs/<slug:name>/check/", views.pack_check, name="pack_check"),
    path("calculator/", views.calculator_index, name="calculator_index"),
    path("calculator/<str:uscc>/", views.calculator, name="calculator"),
    path("my/", views.my_calculator, name="my_calculator"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/status/", views.run_status, name="run_status"),
    path("runs/<int:pk>/items/<int:item_pk>/", views.run_item_results, name="run_item_results"),
    path("runs/<int:pk>/items/<int:item_pk>/results.xlsx", views.run_item_download, name="run_item_download"),
    path("whatif/", views.whatif, name="whatif"),
    path("whatif/<int:pk>/", views.whatif_detail, name="whatif_detail"),
    path("runs/<int:pk>/entitlements/", views_entitlements.run_entitlements, name="run_entitlements"),
    path("entitlements/", views_entitlements.entitlement_list, name="entitlement_list"),
    path("entitlements/bulk/", views_entitlements.entitlement_bulk, name="entitlement_bulk"),
    path("entitlements/budgets/", views_entitlements.budgets, name="budgets"),
    path("entitlements/<int:pk>/", views_entitlements.entitlement_detail, name="entitlement_detail"),
    path("entitlements/<int:pk>/act/", views_entitlements.entitlement_act, name="entitlement_act"),
    path("entitlements/<int:pk>/reject/", views_entitlements.entitlement_reject, name="entitlement_reject"),
    path(
        "entitlements/<int:pk>/withdraw/",
        views_entitlements.entitlement_withdraw,
        name="entitlement_withdraw",
    ),
    path(
        "entitlements/<int:pk>/clear-review/",
        views_entitlements.entitlement_clear_review,
        name="entitlement_clear_review",
    ),
    path("entitlements/<int:pk>/note/", views_entitlements.entitlement_annotate, name="entitlement_annotate"),
    path("entitlements/<int:pk>/pay/", views_entitlements.entitlement_pay, name="entitlement_pay"),
    path(
        "entitlements/<int:pk>/publish/", views_entitlements.entitlement_publish, name="entitlement_publish"
    ),
    path("notices/", views_entitlements.notice_list, name="notice_list"),
    path("notices/<int:pk>/", views_entitlements.notice_detail, name="notice_detail"),
    path("objections/<int:pk>/", views_entitlements.objection_detail, name="objection_detail"),
    path("payments/", views_entitlements.batch_list, name="batch_list"),
    path("payments/<int:pk>/", views_entitlements.batch_detail, name="batch_detail"),
    path("payments/<int:pk>/download.xlsx", views_entitlements.batch_download, name="batch_download"),
    path("payments/<int:pk>/upload/", views_entitlements.batch_upload, name="batch_upload"),
    path("reports/", views_reports.report, name="reports"),
    path("reports/export.xlsx", views_reports.report_export, name="reports_export"),
]
