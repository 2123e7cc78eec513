"""政策兑现 pages: mounted under /policies/ beside 政策找企业 (the paths clerks know), own namespace."""

from django.urls import path

from yingshang.entitlements.views import detail, ledger, notices, outreach, payments, reports

app_name = "entitlements"

urlpatterns = [
    path("runs/<int:pk>/entitlements/", ledger.run_entitlements, name="run_entitlements"),
    path("ledger-syncs/<int:pk>/", ledger.ledger_sync, name="ledger_sync"),
    path("entitlements/", ledger.entitlement_list, name="entitlement_list"),
    path("entitlements/bulk/", ledger.entitlement_bulk, name="entitlement_bulk"),
    path("entitlements/budgets/", ledger.budgets, name="budgets"),
    path("entitlements/<int:pk>/", detail.entitlement_detail, name="entitlement_detail"),
    path("entitlements/<int:pk>/act/", detail.entitlement_act, name="entitlement_act"),
    path("entitlements/<int:pk>/reject/", detail.entitlement_reject, name="entitlement_reject"),
    path(
        "entitlements/<int:pk>/withdraw/",
        detail.entitlement_withdraw,
        name="entitlement_withdraw",
    ),
    path(
        "entitlements/<int:pk>/clear-review/",
        detail.entitlement_clear_review,
        name="entitlement_clear_review",
    ),
    path("entitlements/<int:pk>/note/", detail.entitlement_annotate, name="entitlement_annotate"),
    path("entitlements/<int:pk>/pay/", detail.entitlement_pay, name="entitlement_pay"),
    path("entitlements/<int:pk>/publish/", detail.entitlement_publish, name="entitlement_publish"),
    path("notices/", notices.notice_list, name="notice_list"),
    path("notices/<int:pk>/", notices.notice_detail, name="notice_detail"),
    path("objections/<int:pk>/", notices.objection_detail, name="objection_detail"),
    path("payments/", payments.batch_list, name="batch_list"),
    path("payments/<int:pk>/", payments.batch_detail, name="batch_detail"),
    path("payments/<int:pk>/download.xlsx", payments.batch_download, name="batch_download"),
    path("payments/<int:pk>/upload/", payments.batch_upload, name="batch_upload"),
    path("reports/", reports.report, name="reports"),
    path("reports/export.xlsx", reports.report_export, name="reports_export"),
    path("reports/data-gaps/", outreach.data_gaps, name="data_gaps"),
    path("reports/data-gaps.xlsx", outreach.data_gaps_export, name="data_gaps_export"),
    path("possible/", outreach.possible, name="possible"),
    path("possible/push/", outreach.push_possible, name="push_possible"),
]
