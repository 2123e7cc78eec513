"""Request body limits (core.uploads): an oversize body is refused from its length, before Django's upload
handlers see a byte of it."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client
from django.urls import reverse

from yingshang.core.uploads import MULTIPART_ALLOWANCE, route_limit, too_large_message
from yingshang.registry.models import ImportBatch
from yingshang.registry.testing import csv_bytes, enterprise_row, uscc

pytestmark = pytest.mark.django_db

KB = 1024

# Files Django's upload handler began to write, by name (the temporary file is deleted after the request,
# so the handler itself tells whether anything reached the disk).
STARTED: list[str] = []


class RecordingUploadHandler(TemporaryFileUploadHandler):
    """Django's own handler that streams a file to a temporary file, noting each file it starts."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        STARTED.append(self.file_name or "")


@pytest.fixture(autouse=True)
def _recording(settings: Any, tmp_path: Any) -> None:
    STARTED.clear()
    settings.FILE_UPLOAD_HANDLERS = [f"{__name__}.RecordingUploadHandler"]
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.MEDIA_ROOT = tmp_path / "media"


def import_form(data: bytes) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("名录.csv", data), "as_of": "2026-06-30", "source": "市场监管局名录"}


def rows(count: int) -> bytes:
    return csv_bytes([enterprise_row(uscc(n)) for n in range(1, count + 1)])


def test_an_import_over_its_limit_is_refused_with_a_chinese_413_and_nothing_written(world, settings):
    data = rows(2000)  # about 300 KB
    settings.IMPORT_MAX_BYTES = 100 * KB
    response = world.client_for(world.admin).post(reverse("registry:import_upload"), import_form(data))
    assert response.status_code == 413
    assert "文件过大：上限 100 KB" in response.content.decode()
    assert STARTED == [] and not ImportBatch.objects.exists()


def test_an_import_within_its_limit_goes_through_the_upload_handler(world, settings):
    """The other side of the test above: the recording handler does see an accepted file."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1 * KB  # even a small file goes to a temporary file here
    response = world.client_for(world.admin).post(reverse("registry:import_upload"), import_form(rows(20)))
    assert response.status_code == 302 and STARTED == ["名录.csv"]
    assert ImportBatch.objects.get().state == "previewed"


def test_a_public_form_refuses_an_attached_file_over_the_general_limit_before_reading_it(world, settings):
    """An anonymous objection with a 20 MB attachment used to be written to disk by the CSRF check."""
    settings.REQUEST_MAX_BYTES = 100 * KB
    url = reverse("portal:notice_detail", args=[1])
    response = Client().post(
        url, {"phone": "13800000000", "file": SimpleUploadedFile("a.bin", b"x" * 300 * KB)}
    )
    assert response.status_code == 413
    assert "文件过大：上限 100 KB" in response.content.decode()
    assert STARTED == []


def test_a_form_within_the_general_limit_reaches_its_view(world, settings):
    settings.REQUEST_MAX_BYTES = 200 * KB
    response = Client().post(reverse("portal:notice_detail", args=[999999]), {"text": "x" * 150 * KB})
    assert response.status_code == 404  # the view ran: no such 公示


def test_a_declared_length_is_enough_the_body_is_never_read(world):
    client = world.client_for(world.admin)
    response = client.post(
        reverse("registry:import_upload"), import_form(b"x"), CONTENT_LENGTH=str(50 * 1024 * KB)
    )
    assert response.status_code == 413
    assert "文件过大：上限 20 MB" in response.content.decode()


def test_an_htmx_upload_gets_the_message_in_place_of_the_page(world, settings):
    settings.IMPORT_MAX_BYTES = 100 * KB
    response = world.client_for(world.admin).post(
        reverse("registry:import_upload"), import_form(rows(2000)), HTTP_HX_REQUEST="true"
    )
    # htmx swaps only 2xx answers; the headers make it replace the page's <main> with the message.
    assert response.status_code == 200
    assert (response["HX-Retarget"], response["HX-Reselect"], response["HX-Reswap"]) == (
        "main",
        "main",
        "outerHTML",
    )
    assert "文件过大：上限 100 KB" in response.content.decode() and STARTED == []


def test_the_json_api_refuses_an_oversize_body_in_its_own_error_shape(settings):
    settings.REQUEST_MAX_BYTES = 100 * KB
    response = Client().post("/api/enterprises/", b"{}" + b" " * 300 * KB, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": "文件过大：上限 100 KB。请缩小文件（或拆成几个文件）后重新提交"}


def test_the_payment_return_route_has_the_limit_its_form_states():
    """entitlements.forms refuses a returned payment file over 5 MB in its own words; the route lets
    such a file reach the form."""
    url = reverse("entitlements:batch_upload", args=[1])
    assert route_limit(url) == django_settings.PAYMENT_RETURN_MAX_BYTES == 5 * 1024 * KB


def test_every_route_named_in_the_limits_exists_and_other_routes_get_the_general_limit():
    assert route_limit(reverse("registry:import_upload")) == django_settings.IMPORT_MAX_BYTES
    assert route_limit(reverse("portal:notice_list")) == django_settings.REQUEST_MAX_BYTES
    assert route_limit("/no/such/page/") == django_settings.REQUEST_MAX_BYTES
    for name, setting in django_settings.UPLOAD_LIMITS.items():
        path = reverse(name, kwargs={"pk": 1}) if name.endswith("batch_upload") else reverse(name)
        assert route_limit(path) == getattr(django_settings, setting), name


def test_what_passes_the_general_limit_stays_in_memory():
    largest = max(django_settings.REQUEST_MAX_BYTES, django_settings.PAYMENT_RETURN_MAX_BYTES)
    assert largest + MULTIPART_ALLOWANCE <= django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE == django_settings.REQUEST_MAX_BYTES


def test_the_message_names_the_limit_in_megabytes():
    assert too_large_message(20 * 1024 * KB).startswith("文件过大：上限 20 MB。")
