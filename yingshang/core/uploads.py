"""Request body limits: an oversize upload is refused from its announced length, before any byte of it
is read.

Django parses a multipart body the first time something asks for `request.POST` or `request.FILES`;
`CsrfViewMiddleware` does so for every POST, before the view. A file part larger than
FILE_UPLOAD_MAX_MEMORY_SIZE is streamed to a temporary file on disk as it is parsed, so a check in the
view comes too late: the 20 MB are already written. This middleware, placed before anything that reads
the body, compares the request's Content-Length with the limit of its route and answers 413 with a
Chinese page instead.

The routes that take a file are listed in the UPLOAD_LIMITS setting (URL name → the name of the setting
holding its limit in bytes, read per request so that a test or a deployment can change it); every other
route, the public forms included, may carry at most REQUEST_MAX_BYTES. A body without a Content-Length
is never read by Django at all (its stream is limited to 0 bytes), so the announced length is enough.
"""

from __future__ import annotations

from collections.abc import Callable
from xml.etree import ElementTree

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

from yingshang.core.spreadsheets import size_text

# A multipart body is the file plus its boundaries, headers and the other fields (token, dates, source).
MULTIPART_ALLOWANCE = 64 * 1024


def route_limit(path: str) -> int:
    """The largest file (bytes) the route at `path` accepts; REQUEST_MAX_BYTES for a route without files."""
    try:
        match = resolve(path)
    except Resolver404:
        return settings.REQUEST_MAX_BYTES
    setting = settings.UPLOAD_LIMITS.get(match.view_name)
    return getattr(settings, setting) if setting else settings.REQUEST_MAX_BYTES


def declared_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:  # Django itself reads such a body as empty
        return 0


def too_large_message(limit: int) -> str:
    return f"文件过大：上限 {size_text(limit)}。请缩小文件（或拆成几个文件）后重新提交"


class UploadLimitMiddleware:
    """Answer 413 to a request whose announced body is over its route's limit, without reading it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = declared_length(request)
        # Most requests are small: the route is looked up only for a body over the allowance.
        if length > MULTIPART_ALLOWANCE:
            limit = route_limit(request.path_info)
            if length > limit + MULTIPART_ALLOWANCE:
                return refuse(request, limit)
        return self.get_response(request)


def refuse(request: HttpRequest, limit: int) -> HttpResponse:
    if request.path_info.startswith("/open311/"):
        return open311_refusal(request, limit)
    if request.path_info.startswith("/api/"):  # the JSON API answers in its own error shape
        response: HttpResponse = JsonResponse({"detail": too_large_message(limit)}, status=413)
        response["Connection"] = "close"
        return response
    response = render(request, "413.html", {"message": too_large_message(limit)}, status=413)
    if request.headers.get("HX-Request") == "true":
        # htmx swaps only 2xx answers: this one replaces the page's main part, so the message is seen
        # where the form was (the form's own hx-target/hx-select would find nothing in this page).
        response.status_code = 200
        response["HX-Retarget"] = "main"
        response["HX-Reselect"] = "main"
        response["HX-Reswap"] = "outerHTML"
    # The body is left unread: the connection cannot be reused for another request.
    response["Connection"] = "close"
    return response


def open311_refusal(request: HttpRequest, limit: int) -> HttpResponse:
    """The Open311 API (appeals.open311) answers with the GeoReport v2 error list, in the format its
    path ends with (.xml or .json)."""
    message = f"请求内容过大：上限 {size_text(limit)}。请精简诉求内容后重新提交"
    if request.path_info.endswith(".xml"):
        errors = ElementTree.Element("errors")
        error = ElementTree.SubElement(errors, "error")
        ElementTree.SubElement(error, "code").text = "413"
        ElementTree.SubElement(error, "description").text = message
        content = ElementTree.tostring(errors, encoding="utf-8", xml_declaration=True)
        response = HttpResponse(content, status=413, content_type="text/xml; charset=utf-8")
    else:
        response = JsonResponse(
            [{"code": 413, "description": message}],
            status=413,
            safe=False,
            content_type="application/json; charset=utf-8",
            json_dumps_params={"ensure_ascii": False},
        )
    response["Connection"] = "close"
    return response
