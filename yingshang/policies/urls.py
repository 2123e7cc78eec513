from django.urls import path

from yingshang.policies import views

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
]
