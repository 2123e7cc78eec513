from django.urls import path

from yingshang.registry import views

app_name = "registry"

urlpatterns = [
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/<str:uscc>/", views.enterprise_detail, name="enterprise_detail"),
    path("mine/", views.my_enterprise, name="my_enterprise"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/access/", views.access_log, name="access_log"),
    path("audit/logins/", views.login_log, name="login_log"),
]

# 企业名录 import and export.
urlpatterns += [
    path("import/", views.import_upload, name="import_upload"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_batch, name="import_batch"),
    path("import/<int:pk>/apply/", views.import_apply, name="import_apply"),
    path("import/<int:pk>/retry/", views.import_retry, name="import_retry"),
    path("export.xlsx", views.enterprise_export, name="enterprise_export"),
]
