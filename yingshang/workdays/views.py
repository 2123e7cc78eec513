# Placeholder until the workdays pages land (being built now).
from django.http import HttpRequest, HttpResponse

from yingshang.core.permissions import capability_required


@capability_required("calendar.view")
def calendar(request: HttpRequest) -> HttpResponse:
    return HttpResponse("工作日历")
