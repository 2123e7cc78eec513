"""好差评 (services/ratings.py, the public rating page and the staff summary): a rating from a window's
QR code; a 差评 with its reason becomes an appeal to the rated department; who reads the ratings."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from yingshang.appeals import services
from yingshang.appeals.models import Appeal, ServiceRating
from yingshang.appeals.services import AppealRefused
from yingshang.conftest import World

pytestmark = pytest.mark.django_db
RATE = reverse("appeals:rate")
RATINGS = reverse("appeals:ratings")
WINDOW = "政务服务中心 5 号窗口"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_a_good_rating_is_kept_and_opens_nothing(world: World) -> None:
    rating = services.rate_service(district=world.weibin, department=world.weibin_samr, place=WINDOW, score=5)
    assert (rating.score, rating.appeal, rating.is_bad) == (5, None, False)
    assert not Appeal.objects.exists()


def test_a_bad_rating_becomes_an_appeal_sent_to_the_rated_department(world: World) -> None:
    rating = services.rate_service(
        district=world.weibin,
        department=world.weibin_samr,
        place=WINDOW,
        score=1,
        comment="窗口人员玩手机，不理人",
        phone="13812340000",
    )
    appeal = rating.appeal
    assert appeal is not None and appeal.title == f"差评整改：{WINDOW}"
    assert (appeal.kind, appeal.state, appeal.handler) == ("complaint", "dispatched", world.weibin_samr)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"score": 2, "comment": "", "phone": "13812340000"}, "请写明不满意的原因"),
        ({"score": 1, "comment": "慢", "phone": "123"}, "请留下联系电话"),
        ({"score": 9}, "请选择评价"),
    ],
)
def test_a_rating_that_cannot_be_followed_is_refused(world: World, fields: dict, message: str) -> None:
    with pytest.raises(AppealRefused, match=message):
        services.rate_service(district=world.weibin, place=WINDOW, **fields)
    assert not ServiceRating.objects.exists() and not Appeal.objects.exists()


def test_a_department_of_another_district_cannot_be_rated_here(world: World) -> None:
    with pytest.raises(AppealRefused, match="不是渭滨区的部门"):
        services.rate_service(district=world.weibin, department=world.jintai_samr, score=5)


@override_settings(APPEALS_PER_HOUR=2)
def test_a_burst_of_ratings_from_one_address_is_refused(world: World) -> None:
    for _ in range(2):
        services.rate_service(district=world.weibin, place=WINDOW, score=5, submitted_from="10.0.0.9")
    with pytest.raises(AppealRefused, match="提交过于频繁"):
        services.rate_service(district=world.weibin, place=WINDOW, score=5, submitted_from="10.0.0.9")


def test_the_qr_page_takes_a_rating_and_gives_the_tracking_link_of_a_bad_one(world: World) -> None:
    query = {"d": world.weibin.code, "place": WINDOW, "dept": world.weibin_samr.pk}
    page = text_of(Client().get(RATE, query))
    assert WINDOW in page and world.weibin_samr.name in page
    url = f"{RATE}?d={world.weibin.code}&dept={world.weibin_samr.pk}"
    response = Client().post(url, {"score": 2, "comment": "等了两个小时", "phone": "13812340000"})
    appeal = Appeal.objects.get()
    assert "您的评价：不满意" in text_of(response) and appeal.number in text_of(response)
    assert reverse("appeals:track", args=[appeal.token]) in response.content.decode()


def test_a_qr_link_without_its_district_is_a_404(world: World) -> None:
    assert Client().get(RATE).status_code == 404


def test_the_office_and_the_rated_department_read_the_ratings_and_others_do_not(world: World) -> None:
    services.rate_service(district=world.weibin, department=world.weibin_samr, place=WINDOW, score=4)
    assert WINDOW in text_of(world.client_for(world.weibin_admin).get(RATINGS))
    assert WINDOW in text_of(world.client_for(world.clerk).get(RATINGS))
    assert WINDOW not in text_of(world.client_for(world.jintai_admin).get(RATINGS))
    assert WINDOW not in text_of(world.client_for(world.other_clerk).get(RATINGS))
    assert world.client_for(world.owner).get(RATINGS).status_code == 403
