"""Open311 GeoReport v2 shapes of our appeals: services from categories, requests from appeals, errors,
and how each is written as JSON or XML (docs/appeals.md, "开放接口 (Open311)").

The core fields are the specification's, filled from our data; what Open311 lacks (主办/协办, 督办,
rating, reopen, the working-day deadline) goes into an `extensions` object only when a client asks for
it (`extensions=true`). Nothing here ever writes the requester's name, phone or e-mail: the public
answer carries only what anyone may read, and the description is masked (core.masking.mask_in_text).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from xml.etree import ElementTree

from django.http import HttpResponse

from yingshang.appeals import services
from yingshang.appeals.models import CHANNELS, Appeal, Category
from yingshang.appeals.workflow import OPEN_STATES, Kind, State
from yingshang.core import clock
from yingshang.core.masking import mask_in_text, mask_phone
from yingshang.workdays.engine import CalendarError, WorkCalendar

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
# When this API last changed (discovery's `changeset`): moved by hand with the fields.
CHANGESET = "2026-11-20T00:00:00+08:00"
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

# The service of an appeal whose requester names no category: the 营商办 decides (分拨).
GENERAL_CODE = "general"
GENERAL_NAME = "其他（由营商办分拨）"
# The 诉求类型 of a request that does not say (attribute[kind]): most Open311 requests ask for
# something to be put right, which is a 求助.
DEFAULT_KIND = Kind.HELP.value
CLOSED_STATES = frozenset({State.CLOSED, State.MERGED})

# XML: the element of each item of a list, by the list's own element.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "jurisdictions": "jurisdiction",
    "assists": "assist",
}


# ==================================================================================================
# JSON and XML
# ==================================================================================================


# Characters XML 1.0 cannot carry at all (ElementTree would write them and break the document).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _element(tag: str, value: Any) -> ElementTree.Element:
    element = ElementTree.Element(tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            element.append(_element(key, inner))
    elif isinstance(value, list):
        for inner in value:
            element.append(_element(ITEM_TAGS[tag], inner))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))
    return element


def render(fmt: str, root: str, body: Any, status: int = 200) -> HttpResponse:
    """`body` as JSON, or as XML under the element `root` (a list's items each in its own element)."""
    if fmt == "xml":
        content = ElementTree.tostring(_element(root, body), encoding="utf-8", xml_declaration=True)
    else:
        content = json.dumps(body, ensure_ascii=False).encode()
    return HttpResponse(content, status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, status: int, description: str) -> HttpResponse:
    """The specification's error answer: a list of {code, description}, the code being the HTTP status."""
    return render(fmt, "errors", [{"code": status, "description": description}], status=status)


def iso(moment: dt.datetime | None) -> str | None:
    """ISO 8601 with the offset, in 北京时间 (2026-11-20T10:00:00+08:00)."""
    return clock.local(moment).isoformat(timespec="seconds") if moment is not None else None


def end_of(day: dt.date | None) -> str | None:
    """A deadline day as the moment it ends (the department has all of that working day)."""
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=clock.SHANGHAI).isoformat()


# ==================================================================================================
# Services (our categories)
# ==================================================================================================


def service_fields(category: Category | None) -> dict[str, Any]:
    if category is None:
        code, name, description = GENERAL_CODE, GENERAL_NAME, "不确定类别的诉求，由营商办分拨给承办部门"
    else:
        code, name = category.code, category.name
        description = f"{category.name}方面的诉求，由诉求所在区县的{category.department_name}承办"
    return {
        "service_code": code,
        "service_name": name,
        "description": description,
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": "接诉即办",
    }


def service_definition(code: str) -> dict[str, Any]:
    """The attributes a request of any service may carry: its 诉求类型 (which sets the deadline) and a
    title."""
    return {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": "kind",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "诉求类型，决定办理时限；不填按“求助”办理",
                "order": 1,
                "description": "诉求类型",
                "values": [{"key": kind.value, "name": kind.label} for kind in Kind],
            },
            {
                "variable": True,
                "code": "title",
                "datatype": "string",
                "required": False,
                "datatype_description": f"不超过 {services.TITLE_MAX_CHARS} 字；不填取诉求内容的开头",
                "order": 2,
                "description": "标题",
                "values": [],
            },
        ],
    }


# ==================================================================================================
# Places: Open311's address and coordinates in our one place text
# ==================================================================================================

_POINT = re.compile(r"（经纬度 (-?[0-9]+\.[0-9]+),(-?[0-9]+\.[0-9]+)）$")
_POINT_ROOM = 40  # what the coordinates take at the end of the 200-character place


def place_of(address: str, point: tuple[float, float] | None) -> str:
    """The appeal's place: the address, with the coordinates (when given) at its end."""
    if point is None:
        return address.strip()[:200]
    return f"{address.strip()[: 200 - _POINT_ROOM]}（经纬度 {point[0]:.6f},{point[1]:.6f}）"


def split_place(place: str) -> tuple[str, float | None, float | None]:
    """(address, lat, long) of a place written by `place_of` (or typed on the form: no coordinates)."""
    found = _POINT.search(place)
    if found is None:
        return place, None, None
    return place[: found.start()], float(found.group(1)), float(found.group(2))


# ==================================================================================================
# Requests (our appeals)
# ==================================================================================================


def status_notes(appeal: Appeal) -> str:
    state = State(appeal.state)
    if state == State.MERGED and appeal.merged_into is not None:
        return f"已并入诉求 {appeal.merged_into.number}，一并答复"
    return state.label


def public_description(appeal: Appeal) -> str:
    """What the requester wrote, with their contact data (and any other) masked."""
    text = appeal.text.replace(appeal.requester_phone, mask_phone(appeal.requester_phone))
    return mask_in_text(text, (appeal.requester_name,))


def request_fields(appeal: Appeal, *, calendar: WorkCalendar | None = None) -> dict[str, Any]:
    """One appeal as an Open311 service request: public fields only; with a calendar (to count the
    working days left), our extensions too. `appeal.updated` (the moment of its latest event) is
    annotated by the query."""
    address, lat, long = split_place(appeal.place)
    category = appeal.category
    fields: dict[str, Any] = {
        "service_request_id": appeal.number,
        "status": "closed" if State(appeal.state) in CLOSED_STATES else "open",
        "status_notes": status_notes(appeal),
        "service_name": category.name if category else GENERAL_NAME,
        "service_code": category.code if category else GENERAL_CODE,
        "description": public_description(appeal),
        "agency_responsible": appeal.handler.name if appeal.handler else None,
        "service_notice": appeal.due_note or None,
        "requested_datetime": iso(appeal.received_at),
        "updated_datetime": iso(getattr(appeal, "updated", None) or appeal.received_at),
        "expected_datetime": end_of(appeal.finish_due_on),
        "address": address or None,
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": long,
        "media_url": None,
    }
    if calendar is not None:
        fields["extensions"] = extension_fields(appeal, calendar)
    return fields


def _workdays_left(appeal: Appeal, calendar: WorkCalendar) -> int | None:
    if State(appeal.state) not in OPEN_STATES or appeal.finish_due_on is None:
        return None  # answered or closed: no clock runs
    try:
        return calendar.workdays_between(clock.today(), appeal.finish_due_on)
    except CalendarError:
        return None


def extension_fields(appeal: Appeal, calendar: WorkCalendar) -> dict[str, Any]:
    """What Open311 has no field for. Reads `assists` and `supervisions` (prefetch them for a list)."""
    state = State(appeal.state)
    left = _workdays_left(appeal, calendar)
    open_supervisions = [s for s in appeal.supervisions.all() if s.resolved_at is None]
    return {
        "state": state.value,
        "state_name": state.label,
        "kind": appeal.kind,
        "kind_name": Kind(appeal.kind).label,
        "channel": appeal.channel,
        "channel_name": dict(CHANNELS).get(appeal.channel, ""),
        "lead_department": appeal.handler.name if appeal.handler else None,
        "assists": [
            {"department": assist.department.name, "part": assist.part, "answered": bool(assist.answered_at)}
            for assist in appeal.assists.all()
        ],
        "supervised": appeal.supervised_at is not None,
        "supervised_datetime": iso(appeal.supervised_at),
        "open_supervisions": len(open_supervisions),
        "rating": appeal.rating or None,
        "rating_name": services.RATING_LABELS.get(appeal.rating),
        "rated_datetime": iso(appeal.rated_at),
        "cycle": appeal.cycle,
        "reopens": appeal.reopens,
        "due_workdays": appeal.due_workdays,
        "sign_due_date": appeal.sign_due_on.isoformat() if appeal.sign_due_on else None,
        "finish_due_date": appeal.finish_due_on.isoformat() if appeal.finish_due_on else None,
        "workdays_left": left,
        "overdue": left is not None and left < 0,
        "calendar_version": appeal.calendar_version or None,
        "due_note": appeal.due_note or None,
    }
