from django.urls import path

from yingshang.portal import views

app_name = "portal"

urlpatterns = [
    # The enterprise page: fixed paths first, the 企业码 token last.
    path("e/", views.enterprise_home, name="home"),
    path("e/items/<int:pk>/", views.entitlement_detail, name="entitlement"),
    path("e/calculator/", views.calculator, name="calculator"),
    path("e/messages/<int:pk>/", views.message, name="message"),
    path("e/card/", views.my_card, name="my_card"),
    path("e/appeals/", views.enterprise_appeals, name="appeals"),
    path("e/exit/", views.code_exit, name="code_exit"),
    path("e/<str:token>/", views.code_entry, name="code_entry"),
    # 明白卡 for the office
    path("portal/cards/", views.card_index, name="card_index"),
    path("portal/cards/batch/", views.card_batch, name="card_batch"),
    path("portal/cards/<str:uscc>/", views.card, name="card"),
    path("portal/cards/<str:uscc>/reissue/", views.card_reissue, name="card_reissue"),
    # Public pages, no login
    path("gongshi/", views.notice_list, name="notice_list"),
    path("gongshi/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("zhengce/", views.library, name="library"),
    path("zhengce/items/<int:pk>/", views.library_item, name="library_item"),
]
