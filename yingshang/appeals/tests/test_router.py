"""The routing model in use (services/router.py, tasks.py, views/routing.py): trained in the background
from uploaded history, its report, activation by the city's office, and appeals routed by it — with the
model version and confidence recorded, dispatched directly when confident enough."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from yingshang.appeals import services, tasks
from yingshang.appeals.models import RoutingModel
from yingshang.appeals.testing import PHONE, TOPICS, category, history_csv
from yingshang.conftest import World

pytestmark = pytest.mark.django_db


def upload(data: bytes | None = None, name: str = "历史诉求.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else history_csv(), content_type="text/csv")


@pytest.fixture
def trained(world: World, settings, tmp_path) -> RoutingModel:
    settings.MEDIA_ROOT = tmp_path
    return tasks.start_training(
        upload(), text_columns=["诉求内容"], label_column="类别", by=world.admin, runner="inline"
    )


def test_a_model_is_trained_in_the_background_with_its_cross_validated_report(trained: RoutingModel) -> None:
    assert trained.state == "done" and len(trained.version) == 12
    assert trained.n_samples == 45 and trained.macro_f1 is not None and trained.macro_f1 > 0.8
    assert sorted(trained.labels) == sorted(TOPICS)
    assert len(trained.report["confusion"]) == 3


def test_a_training_file_with_one_class_fails_with_the_reason(world: World, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    data = "诉求内容,类别\n" + "\n".join(f"超市卖过期食品{n},市场监管" for n in range(10))
    job = tasks.start_training(
        upload(data.encode()), text_columns=["诉求内容"], label_column="类别", by=world.admin, runner="inline"
    )
    assert job.state == "failed" and "只有一个类别“市场监管”" in job.error


def test_a_missing_column_is_named_with_the_columns_there_are(world: World, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    job = tasks.start_training(
        upload(), text_columns=["内容"], label_column="类别", by=world.admin, runner="inline"
    )
    assert job.state == "failed" and "没有列“内容”" in job.error and "“诉求内容”" in job.error


@pytest.mark.parametrize("who", ["weibin_admin", "clerk"])
def test_only_the_city_office_trains(world: World, who: str, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(services.AppealRefused, match="只有市营商办"):
        tasks.start_training(upload(), text_columns=["诉求内容"], label_column="类别", by=getattr(world, who))
    assert not RoutingModel.objects.exists()


def test_an_active_model_proposes_categories_and_records_its_version(
    world: World, trained: RoutingModel
) -> None:
    services.activate_model(trained, by=world.admin)
    proposals, version = services.propose("楼下超市在卖过期的食品")
    assert version == trained.version and proposals[0][0] == "市场监管" and len(proposals) == 3


@override_settings(APPEAL_DIRECT_DISPATCH_PERCENT=1)
def test_a_confident_model_dispatches_a_new_appeal_straight_to_the_department(
    world: World, trained: RoutingModel
) -> None:
    category(code="market", name="市场监管", department_name="市场监管局")
    services.activate_model(trained, by=world.admin)
    assert set(services.unmatched_labels(trained)) == {"住房建设", "人力社保"}
    appeal = services.submit_appeal(
        services.NewAppeal(
            kind="complaint",
            title="",
            text="这家超市卖过期食品",
            district=world.weibin,
            requester_phone=PHONE,
        )
    )
    assert (appeal.state, appeal.handler, appeal.routing_version) == (
        "dispatched",
        world.weibin_samr,
        trained.version,
    )
    assert appeal.proposals[0][0] == "market" and appeal.routing_confidence > 1 / 3


def test_without_a_model_in_use_an_appeal_waits_in_the_queue(world: World, trained: RoutingModel) -> None:
    appeal = services.submit_appeal(
        services.NewAppeal(
            kind="help", title="", text="超市卖过期食品", district=world.weibin, requester_phone=PHONE
        )
    )
    assert (appeal.state, appeal.proposals, appeal.routing_version) == ("pending", [], "")


def test_the_pages_show_the_report_and_the_city_office_activates(world: World, trained: RoutingModel) -> None:
    page = (
        world.client_for(world.admin)
        .get(reverse("appeals:routing_model", args=[trained.pk]))
        .content.decode()
    )
    assert "宏平均 F1" in page and "混淆矩阵" in page and 'id="activate"' in page
    response = world.client_for(world.admin).post(reverse("appeals:routing_activate", args=[trained.pk]))
    assert response.status_code == 302 and RoutingModel.objects.get(pk=trained.pk).is_active


@pytest.mark.parametrize("who", ["weibin_admin", "clerk", "owner"])
def test_no_one_but_the_city_office_activates(world: World, trained: RoutingModel, who: str) -> None:
    response = world.client_for(getattr(world, who)).post(
        reverse("appeals:routing_activate", args=[trained.pk])
    )
    assert response.status_code == 403
    assert not RoutingModel.objects.get(pk=trained.pk).is_active


def test_the_upload_page_trains_from_a_file(world: World, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    response = world.client_for(world.admin).post(
        reverse("appeals:routing_models"), {"data": upload(), "text": "诉求内容", "label": "类别"}
    )
    job = RoutingModel.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "appeals:routing_model", args=[job.pk]
    )
