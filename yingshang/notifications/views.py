"""消息中心 of an enterprise user: the inbox, one message (reading it marks it read) and the
preferences (contact details, SMS / e-mail on or off). Staff have no page here: an enterprise's
messages are its own. Logic lives in services.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from yingshang.core.permissions import capability_required
from yingshang.notifications import services
from yingshang.notifications.forms import PreferencesForm
from yingshang.notifications.models import Channel
from yingshang.registry.models import Enterprise

PAGE_SIZE = 20


def _enterprise(request: HttpRequest) -> Enterprise:
    enterprise = request.user.enterprise
    if enterprise is None:
        raise PermissionDenied("您的账号没有绑定企业")
    return enterprise


@capability_required("messages.own")
def inbox(request: HttpRequest) -> HttpResponse:
    enterprise = _enterprise(request)
    page = Paginator(services.inbox_for(enterprise), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "inbox_messages": page.object_list,
            "unread_count": services.unread_count(enterprise),
            "read_rate": services.read_rate(enterprise.messages.all()),
        },
    )


@capability_required("messages.own")
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # Scoped to the user's own inbox: another enterprise's message is simply not found.
    message = get_object_or_404(services.inbox_for(_enterprise(request)), pk=pk)
    services.mark_read(message)
    return render(request, "notifications/detail.html", {"message": message})


@capability_required("messages.own")
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(_enterprise(request))
    messages.success(request, f"已将 {count} 条消息标记为已读" if count else "没有未读消息")
    return redirect("notifications:inbox")


@capability_required("messages.own")
def preferences(request: HttpRequest) -> HttpResponse:
    enterprise = _enterprise(request)
    contact = services.contact_of(enterprise)
    off = services.opted_out_channels(enterprise)
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.save_preferences(
                    enterprise,
                    contact_name=data["contact_name"],
                    mobile=data["mobile"],
                    email=data["email"],
                    sms=data["sms"],
                    email_on=data["email_on"],
                )
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                messages.success(request, "接收设置已保存")
                return redirect("notifications:preferences")
    else:
        form = PreferencesForm(
            initial={
                "contact_name": contact.contact_name,
                "mobile": contact.mobile,
                "email": contact.email,
                "sms": Channel.SMS not in off,
                "email_on": Channel.EMAIL not in off,
            }
        )
    return render(request, "notifications/preferences.html", {"form": form, "enterprise": enterprise})
