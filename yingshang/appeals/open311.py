"""开放接口: the appeals as an Open311 GeoReport v2 server, mounted at /open311/v2/ (docs/appeals.md).

`discovery`, `services`, `services/{code}`, `requests` (GET the public list, POST a new appeal),
`requests/{id}` and `tokens/{token}`, each as `.json` or `.xml`. Reading is public and shows public
fields only (open311_format); submitting needs an `api_key` (one of our API tokens) and goes through
appeals.services.submit_appeal like every other channel. An `Idempotency-Key` header (or an
`idempotency_key` parameter) makes a retried submission return the first answer and write nothing.
Every refusal is the specification's error list, in the format asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from yingshang.appeals import open311_format as shapes
from yingshang.appeals import services
from yingshang.appeals.models import Appeal, Category, Event
from yingshang.appeals.workflow import Kind
from yingshang.core import clock
from yingshang.core.roles import Role
from yingshang.registry.models import ApiToken, District, User
from yingshang.workdays.services import get_calendar

# The specification's cap on one answer, and its default window when a list names no dates.
MAX_RESULTS = 1000
DEFAULT_DAYS = 90
IDEMPOTENCY_KEY_MAX = 64
DESCRIPTION_MAX = services.TEXT_MAX_CHARS
TOKENS_PAGE = "/account/tokens/"


class Open311Error(Exception):
    """A refusal, answered as the specification's error list with `status` as its code."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


View = Callable[..., HttpResponse]


def endpoint(*methods: str) -> Callable[[View], View]:
    """An Open311 view: other methods get a 405 error list; an Open311Error becomes its error list.
    CSRF does not apply: a submission is authenticated by its api_key, never by a session cookie."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, format: str, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = shapes.errors(
                    format, 405, f"该地址不支持 {request.method} 请求，可用：{'、'.join(methods)}"
                )
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, format, **kwargs)
            except Open311Error as exc:
                return shapes.errors(format, exc.status, exc.description)

        return wrapper

    return decorate


# ==================================================================================================
# Parameters
# ==================================================================================================


def _params(request: HttpRequest) -> QueryDict:
    """A POST's form fields (the specification's way), a GET's query string."""
    return request.POST if request.method == "POST" else request.GET


def _jurisdiction(params: QueryDict, *, required: bool) -> District | None:
    """The district (our 行政区划代码) a request concerns: Open311's jurisdiction_id."""
    code = params.get("jurisdiction_id", "").strip()
    if not code:
        if required:
            raise Open311Error(
                400,
                "缺少 jurisdiction_id：请填写诉求所在区县的行政区划代码（如 610302），可用代码见 discovery",
            )
        return None
    district = District.objects.filter(code=code).first()
    if district is None:
        raise Open311Error(400, f"jurisdiction_id“{code[:20]}”不是本平台的区县代码，可用代码见 discovery")
    return district


def _service(code: str) -> Category | None:
    """The category of a service code (None: the general service); unknown codes are a 404."""
    code = code.strip()
    if code == shapes.GENERAL_CODE:
        return None
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise Open311Error(404, f"service_code“{code[:40]}”不存在，可用的服务见 services")
    return category


def _services() -> list[Category | None]:
    return [*Category.objects.filter(is_active=True).order_by("order", "code"), None]


def _moment(params: QueryDict, name: str) -> dt.datetime | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    moment = parse_datetime(raw.replace(" ", "+"))  # a "+08:00" sent unescaped arrives as a space
    if moment is None:
        day = parse_date(raw)
        if day is None:
            raise Open311Error(400, f"{name}“{raw[:40]}”不是 ISO 8601 时间，应如 2026-11-20T10:00:00+08:00")
        moment = dt.datetime.combine(day, dt.time())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.SHANGHAI)  # a time without an offset is 北京时间
    return moment


def _whole(params: QueryDict, name: str, default: int, highest: int) -> int:
    raw = params.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= highest:
        raise Open311Error(400, f"{name} 应为 1 到 {highest:,} 之间的整数")
    return int(raw)


def _extensions(params: QueryDict) -> bool:
    return params.get("extensions", "").strip().lower() in ("true", "1")


# ==================================================================================================
# What the public reads
# ==================================================================================================


def public_appeals() -> QuerySet[Appeal]:
    """Every appeal the public API may show, with the moment of its latest event. An appeal about a
    department's own staff (纪检监察's) is never published. Only public fields are ever written from
    these rows (open311_format), so no scope applies: this is the public's view of every district."""
    latest = Event.objects.filter(appeal=OuterRef("pk")).order_by("-at").values("at")[:1]
    return (
        Appeal.objects.filter(about_staff=False)
        .select_related("category", "handler", "merged_into")
        .annotate(updated=Subquery(latest))
        .order_by("-received_at", "-id")
    )


def _answer(fmt: str, appeals: list[Appeal], params: QueryDict, status: int = 200) -> HttpResponse:
    calendar = get_calendar() if _extensions(params) else None
    body = [shapes.request_fields(appeal, calendar=calendar) for appeal in appeals]
    return shapes.render(fmt, "service_requests", body, status=status)


def _with_extensions(appeals: QuerySet[Appeal], params: QueryDict) -> QuerySet[Appeal]:
    if _extensions(params):
        return appeals.prefetch_related("assists__department", "supervisions")
    return appeals


# ==================================================================================================
# The endpoints
# ==================================================================================================


@endpoint("GET")
def discovery(request: HttpRequest, format: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"format": format}))
    body: dict[str, Any] = {
        "changeset": shapes.CHANGESET,
        "contact": "所在区县营商办（接诉即办）",
        "key_service": f"提交诉求需要 api_key（接口令牌），在平台“接口令牌”页面（{TOKENS_PAGE}）申请",
        "endpoints": [
            {
                "specification": shapes.SPEC_URL,
                "url": base.rsplit("/", 1)[0],
                "changeset": shapes.CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    if _extensions(request.GET):
        body["jurisdictions"] = [
            {"jurisdiction_id": code, "name": name}
            for code, name in District.objects.order_by("code").values_list("code", "name")
        ]
    return shapes.render(format, "discovery", body)


@endpoint("GET")
def service_list(request: HttpRequest, format: str) -> HttpResponse:
    _jurisdiction(request.GET, required=False)
    body = [shapes.service_fields(category) for category in _services()]
    return shapes.render(format, "services", body)


@endpoint("GET")
def service_definition(request: HttpRequest, format: str, service_code: str) -> HttpResponse:
    _jurisdiction(request.GET, required=False)
    category = _service(service_code)
    code = category.code if category is not None else shapes.GENERAL_CODE
    return shapes.render(format, "service_definition", shapes.service_definition(code))


@endpoint("GET", "POST")
def requests(request: HttpRequest, format: str) -> HttpResponse:
    if request.method == "POST":
        return _submit(request, format)
    params = request.GET
    district = _jurisdiction(params, required=True)
    appeals = public_appeals().filter(district=district)
    numbers = [n.strip() for n in params.get("service_request_id", "").split(",") if n.strip()]
    # The specification: a list of ids overrides every other filter.
    appeals = appeals.filter(number__in=numbers[:MAX_RESULTS]) if numbers else _filtered(appeals, params)
    size = _whole(params, "page_size", MAX_RESULTS, MAX_RESULTS)
    page = _whole(params, "page", 1, 1_000_000)
    found = list(_with_extensions(appeals, params)[(page - 1) * size : page * size])
    return _answer(format, found, params)


def _filtered(appeals: QuerySet[Appeal], params: QueryDict) -> QuerySet[Appeal]:
    codes = [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]
    if codes:
        categories = [_service(code) for code in codes]
        chosen = [c.pk for c in categories if c is not None]
        general = len(chosen) < len(categories)
        appeals = appeals.filter(category__in=chosen) | (
            appeals.filter(category__isnull=True) if general else appeals.none()
        )
    start, end = _moment(params, "start_date"), _moment(params, "end_date")
    if start is None and end is None:
        start = clock.now() - dt.timedelta(days=DEFAULT_DAYS)
    if start is not None and end is not None and end < start:
        raise Open311Error(400, "end_date 早于 start_date")
    if start is not None:
        appeals = appeals.filter(received_at__gte=start)
    if end is not None:
        appeals = appeals.filter(received_at__lte=end)
    wanted = {s.strip().lower() for s in params.get("status", "").split(",") if s.strip()}
    if wanted - {"open", "closed"}:
        raise Open311Error(400, "status 只能是 open 或 closed（可用逗号同时列出）")
    closed = [state.value for state in shapes.CLOSED_STATES]
    if wanted == {"open"}:
        appeals = appeals.exclude(state__in=closed)
    elif wanted == {"closed"}:
        appeals = appeals.filter(state__in=closed)
    return appeals


@endpoint("GET")
def request_detail(request: HttpRequest, format: str, service_request_id: str) -> HttpResponse:
    district = _jurisdiction(request.GET, required=False)
    appeals = public_appeals().filter(number=service_request_id)
    if district is not None:
        appeals = appeals.filter(district=district)
    found = list(_with_extensions(appeals, request.GET))
    if not found:
        raise Open311Error(404, f"没有编号为“{service_request_id[:30]}”的公开诉求")
    return _answer(format, found, request.GET)


@endpoint("GET")
def token(request: HttpRequest, format: str, token: str) -> HttpResponse:
    appeal = services.find_by_token(token)
    if appeal is None:
        raise Open311Error(404, "没有这个查询码（token）对应的诉求")
    body = [{"service_request_id": appeal.number, "token": appeal.token}]
    return shapes.render(format, "service_requests", body)


# ==================================================================================================
# Submitting
# ==================================================================================================


def _client(request: HttpRequest, params: QueryDict) -> User:
    """The user of the api_key (a parameter, as the specification has it, or `Authorization: Bearer`)."""
    key = params.get("api_key", "").strip()
    header = request.headers.get("Authorization", "")
    if not key and header.startswith("Bearer "):
        key = header.removeprefix("Bearer ").strip()
    if not key:
        raise Open311Error(
            403, f"缺少 api_key：提交诉求需要接口令牌，请在平台“接口令牌”页面（{TOKENS_PAGE}）申请"
        )
    user = ApiToken.authenticate(key)
    if user is None:
        raise Open311Error(403, f"api_key 无效、已吊销或已过期，请在“接口令牌”页面（{TOKENS_PAGE}）重新申请")
    if user.role_enum == Role.NONE:
        raise Open311Error(403, "api_key 所属账号尚未分配角色，不能提交诉求，请联系营商办管理员")
    return user


def _number(params: QueryDict, name: str, low: float, high: float) -> float:
    try:
        value = float(params.get(name, ""))
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # NaN fails too
        raise Open311Error(400, f"{name} 应为 {low:g} 到 {high:g} 之间的数（WGS-84 经纬度）")
    return value


def _place(params: QueryDict) -> str:
    """The location the specification requires: lat and long, or address_string, or address_id."""
    address = params.get("address_string", "").strip()
    address_id = params.get("address_id", "").strip()
    has_point = bool(params.get("lat", "").strip() or params.get("long", "").strip())
    if not (address or address_id or has_point):
        raise Open311Error(
            400, "缺少位置：请提供 lat 和 long（经纬度），或 address_string（地址），或 address_id"
        )
    point = (_number(params, "lat", -90, 90), _number(params, "long", -180, 180)) if has_point else None
    if not address and address_id:
        address = f"地址编号 {address_id[:60]}"
    return shapes.place_of(address, point)


def _idempotency_key(request: HttpRequest, params: QueryDict, user: User) -> str:
    """The client's key for this submission, kept apart from every other client's."""
    key = (request.headers.get("Idempotency-Key") or params.get("idempotency_key", "")).strip()
    if not key:
        return ""
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise Open311Error(400, f"Idempotency-Key 不能超过 {IDEMPOTENCY_KEY_MAX} 个字符")
    return f"open311:{user.pk}:{key}"


def _submit(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.POST
    user = _client(request, params)
    district = _jurisdiction(params, required=True)
    assert district is not None  # required=True refuses a missing one
    code = params.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "缺少 service_code：请从 services 中选择诉求类别")
    category = _service(code)
    place = _place(params)
    kind = params.get("attribute[kind]", "").strip() or shapes.DEFAULT_KIND
    if kind not in {k.value for k in Kind}:
        raise Open311Error(
            400, "attribute[kind] 只能是 " + "、".join(f"{k.value}（{k.label}）" for k in Kind)
        )
    description = params.get("description", "")
    if not description.strip():
        raise Open311Error(400, "缺少 description：请填写诉求内容")
    if len(description) > DESCRIPTION_MAX:
        raise Open311Error(400, f"description 共 {len(description):,} 字，超过 {DESCRIPTION_MAX:,} 字的上限")
    key = _idempotency_key(request, params, user)
    replayed = bool(key) and Appeal.objects.filter(idempotency_key=key).exists()
    name = (params.get("last_name", "").strip() + params.get("first_name", "").strip())[:50]
    try:
        appeal = services.submit_appeal(
            services.NewAppeal(
                kind=kind,
                title=params.get("attribute[title]", ""),
                text=description,
                district=district,
                requester_phone=params.get("phone", ""),
                requester_name=name,
                anonymous=not name,
                place=place,
                enterprise=user.enterprise if user.can("appeals.own") else None,
                channel="api",
                idempotency_key=key,
                # The client is known by its key: an integration posting for many people from one
                # address must not run into the per-address limit of the public form.
                submitted_from=None,
                created_by=user,
                category=category,
            )
        )
    except services.AppealRefused as exc:
        raise Open311Error(400, str(exc)) from None
    link = request.build_absolute_uri(reverse("appeals:track", args=[appeal.token]))
    notice = f"诉求已受理，编号 {appeal.number}"
    if appeal.finish_due_on is not None:
        notice += f"，办结期限 {appeal.finish_due_on:%Y年%m月%d日}"
    body = [
        {
            "service_request_id": appeal.number,
            "token": appeal.token,
            "service_notice": f"{notice}。办理进度和评价：{link}",
            "account_id": None,
        }
    ]
    response = shapes.render(fmt, "service_requests", body, status=201)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response
