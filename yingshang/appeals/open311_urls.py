"""The Open311 GeoReport v2 endpoints (appeals.open311), mounted at /open311/v2/ in yingshang/urls.py.
Every endpoint ends in its format, `.json` or `.xml`, as the specification writes them."""

from django.urls import path, register_converter

from yingshang.appeals import open311


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311_format")

app_name = "open311"

urlpatterns = [
    path("discovery.<open311_format:format>", open311.discovery, name="discovery"),
    path("services.<open311_format:format>", open311.service_list, name="services"),
    path(
        "services/<str:service_code>.<open311_format:format>",
        open311.service_definition,
        name="service_definition",
    ),
    path("requests.<open311_format:format>", open311.requests, name="requests"),
    path(
        "requests/<str:service_request_id>.<open311_format:format>",
        open311.request_detail,
        name="request_detail",
    ),
    path("tokens/<str:token>.<open311_format:format>", open311.token, name="token"),
]
