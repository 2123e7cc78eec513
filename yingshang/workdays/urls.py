from django.urls import path

from yingshang.workdays import views

app_name = "workdays"

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("years/new/", views.arrangement_form, name="arrangement_new"),
    path("years/<int:year>/edit/", views.arrangement_form, name="arrangement_edit"),
    path("years/<int:year>/confirm/", views.arrangement_confirm, name="arrangement_confirm"),
    path("years/<int:year>/delete/", views.arrangement_delete, name="arrangement_delete"),
]
