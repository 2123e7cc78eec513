from django.urls import path

from yingshang.registry import views

app_name = "registry"

urlpatterns = [
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/<str:uscc>/", views.enterprise_detail, name="enterprise_detail"),
    path("mine/", views.my_enterprise, name="my_enterprise"),
    path("audit/", views.audit_log, name="audit_log"),
]

# Placeholder import page until the importer lands (being built now).
urlpatterns.append(path("import/", views.enterprise_list, name="import_upload"))
