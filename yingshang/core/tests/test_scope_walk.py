"""The route walk: every URL of the site and every operation of the JSON API, tried from the forbidden
side of the scope rule (core.scope).

The 渭滨区 side owns one of everything (an enterprise with its entitlements, a 公示 and an objection, a
payment batch with a bank account, an import batch, a clerk with a phone number, an inbox message, a
企业码, an API token; a match run, a what-if run, a draft holiday year of the city). Every route's path
parameters are filled with those objects from `ROUTES` (URL name → parameter → factory), and each route
is asked with GET and POST by 金台区's 营商办 admin, 金台区's 市场监管局 clerk, another enterprise's user, a
user without a role and an anonymous visitor. A route is refused (403, 404, 405, 401, or a redirect to
the login page), or it answers without any of the 渭滨区 side's identifying texts; and nothing the actor
does not own changes. Every leak is collected and printed, and the test fails when there is one.

A route or API operation that has no entry in the tables fails `test_every_route_is_in_the_walk` (or
its API twin) with its name: a view added later without thinking about scope cannot slip through.
Genuinely public routes are listed in `PUBLIC`.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from yingshang.api import api
from yingshang.appeals import services as appeal_services
from yingshang.appeals.models import Appeal, Category, HotlineBatch, RoutingModel
from yingshang.appeals.services import hotline as hotline_services
from yingshang.appeals.testing import category, submitted
from yingshang.conftest import World
from yingshang.core import clock
from yingshang.entitlements.models import (
    Entitlement,
    EntitlementNote,
    LedgerSync,
    Objection,
    PaymentBatch,
    PublicNotice,
)
from yingshang.entitlements.services import export_payment_batch
from yingshang.entitlements.testing import payable
from yingshang.notifications.models import ChannelPreference, EnterpriseContact, Message
from yingshang.policies import services as policy_services
from yingshang.policies.models import MatchResult, MatchRun, PolicyPack, RewardItem
from yingshang.policies.testing import HNTE_ITEM, MEASURES, finished_match, with_hnte_amount
from yingshang.portal import codes
from yingshang.portal.models import EnterpriseCode
from yingshang.registry import importer
from yingshang.registry.models import ApiToken, Department, Enterprise, ImportBatch, Qualification, User
from yingshang.registry.testing import csv_bytes, enterprise_row, uscc, write
from yingshang.workdays.models import HolidayEntry, HolidayYear
from yingshang.workdays.services import save_arrangement
from yingshang.workdays.testing import LINES_2027, fictional_2027_entries

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CLERK_PHONE = "13900001234"
REQUESTER_PHONE = "13500001234"
OBJECTOR_PHONE = "13700001234"
CONTACT_MOBILE = "13600001234"
ACCOUNT_NO = "6222021234567890123"  # the payee account of payable() entitlements
IMPORT_FILE = "渭滨区名录-走查.csv"
IMPORTED_NAME = "宝鸡市渭滨区走查导入企业有限公司"
MESSAGE_SUBJECT = "渭滨区专属通知（走查）"
HOTLINE_FILE = "渭滨区热线工单-走查.csv"
SECOND_ITEM = "xx18_art3_srdi_backbone"  # a second reward item, for the entitlement of the payment batch

# The forbidden side: who tries every route (None: an anonymous visitor).
ACTORS = ("jintai_admin", "other_clerk", "other_owner", "nobody", None)


# ==================================================================================================
# The 渭滨区 side
# ==================================================================================================


@dataclass
class Side:
    world: World
    entitlement: Entitlement  # 公示 over, payable, with a bank account; pushed, so acme's page lists it
    batch_entitlement: Entitlement
    notice: PublicNotice
    objection: Objection
    batch: PaymentBatch
    batch_file: bytes
    import_batch: ImportBatch
    run: MatchRun
    run_item: RewardItem
    whatif_run: MatchRun
    pack: PolicyPack
    message: Message
    ledger_sync: LedgerSync
    token: ApiToken
    code_token: str
    appeal: Appeal
    category: Category
    routing_model: RoutingModel
    hotline_batch: HotlineBatch

    @property
    def acme(self) -> Enterprise:
        return self.world.acme

    def texts(self) -> dict[str, str]:
        """What must never reach the forbidden side: label → text."""
        return {
            "acme 的名称": self.acme.name,
            "acme 的统一社会信用代码": self.acme.uscc,
            "渭滨区办事员的手机号": CLERK_PHONE,
            "异议人的电话": OBJECTOR_PHONE,
            "acme 的联系手机": CONTACT_MOBILE,
            "收款账号": ACCOUNT_NO,
            "渭滨区导入批次的文件名": IMPORT_FILE,
            "渭滨区导入批次中的企业": IMPORTED_NAME,
            "渭滨区拨付批次号": self.batch.number,
            "acme 的站内信": MESSAGE_SUBJECT,
            "渭滨区管理员的用户名": "weibin_admin",
            "诉求人的电话": REQUESTER_PHONE,
            "渭滨区热线导入批次的文件名": HOTLINE_FILE,
        }

    def returned_payment_file(self) -> SimpleUploadedFile:
        """The batch's file as the finance bureau sends it back: voucher and date filled in."""
        book = load_workbook(io.BytesIO(self.batch_file))
        sheet = book.active
        sheet.cell(row=3, column=10, value="YQ-0001")
        sheet.cell(row=3, column=11, value=clock.today())
        buffer = io.BytesIO()
        book.save(buffer)
        return SimpleUploadedFile("回执.xlsx", buffer.getvalue(), content_type=XLSX)


def build_side(world: World, tmp_path: Any) -> Side:
    policy_services.sync_shipped_packs()
    world.clerk.phone = CLERK_PHONE
    world.clerk.save()
    entitlement = payable(world.acme)
    Entitlement.objects.filter(pk=entitlement.pk).update(pushed_at=entitlement.matched_at)
    entitlement.refresh_from_db()
    objection = Objection.objects.create(
        notice=entitlement.notice,
        entitlement=entitlement,
        text="该企业不符合条件（走查）",
        contact_name="王五",
        contact_phone=OBJECTOR_PHONE,
    )
    batch_entitlement = payable(world.acme, item_key=SECOND_ITEM)
    batch, batch_file = export_payment_batch([batch_entitlement.pk], by=world.weibin_admin)
    path = write(tmp_path, IMPORT_FILE, csv_bytes([enterprise_row(uscc(77), IMPORTED_NAME)]))
    import_batch, _ = importer.preview_batch(
        path, file_name=IMPORT_FILE, as_of=dt.date(2026, 6, 30), source="区名录", user=world.weibin_admin
    )
    run = finished_match(world.admin)
    run_item = RewardItem.objects.get(key=HNTE_ITEM, policy__pack__in=run.packs.all())
    assert MatchResult.objects.filter(run=run, item=run_item, enterprise=world.acme).exists()
    whatif_run, errors = policy_services.start_whatif_run(
        world.admin, item_changes={HNTE_ITEM: {"amount": "20万元"}}, pack_name=MEASURES, runner="inline"
    )
    assert whatif_run is not None, errors
    save_arrangement(
        2027, fictional_2027_entries(), notice_title="2027年节假日安排（走查）", user=world.admin
    )
    message = Message.objects.create(
        enterprise=world.acme,
        channel="inbox",
        topic="walk",
        subject=MESSAGE_SUBJECT,
        body="只给渭滨区 acme 看",
        dedupe_key="walk:1",
        status="sent",
    )
    EnterpriseContact.objects.create(enterprise=world.acme, contact_name="赵六", mobile=CONTACT_MOBILE)
    token, _ = ApiToken.issue(world.clerk, "渭滨区数据同步")
    appeal = submitted(world.weibin, requester_phone=REQUESTER_PHONE, requester_name="赵七")
    appeal = appeal_services.dispatch_appeal(appeal, world.weibin_samr, by=world.weibin_admin)
    hotline_path = write(
        tmp_path,
        HOTLINE_FILE,
        "工单编号,受理时间,诉求内容,联系电话\nWALK-1,2026-11-02 09:00,走查热线工单,13500004321\n".encode(),
    )
    hotline_batch = hotline_services.start_batch(
        hotline_path, file_name=HOTLINE_FILE, user=world.weibin_admin
    )
    hotline_services.map_columns(
        hotline_batch,
        user=world.weibin_admin,
        mapping=hotline_batch.mapping,
        default_district=world.weibin,
        default_kind="help",
    )
    return Side(
        world=world,
        entitlement=entitlement,
        batch_entitlement=batch_entitlement,
        notice=entitlement.notice,
        objection=objection,
        batch=batch,
        batch_file=batch_file,
        import_batch=import_batch,
        run=run,
        run_item=run_item,
        whatif_run=whatif_run,
        pack=PolicyPack.objects.get(name=MEASURES, is_working=True),
        message=message,
        ledger_sync=LedgerSync.objects.create(run=run, started_by=world.admin, state="done"),
        token=token,
        code_token=codes.enterprise_token(world.acme),
        appeal=appeal,
        category=category(code="walk", name="走查类别", department_name="市场监管局"),
        routing_model=RoutingModel.objects.create(
            source_name="渭滨区走查训练数据.csv", data_path="/nonexistent", label_column="类别", state="done"
        ),
        hotline_batch=hotline_batch,
    )


# ==================================================================================================
# The tables: every route's parameters, what a POST sends, and the public routes
# ==================================================================================================

Factory = Callable[[Side], Any]


def _pk(attribute: str) -> Factory:
    return lambda side: getattr(side, attribute).pk


USCC: Factory = lambda side: side.acme.uscc  # noqa: E731
ENTITLEMENT = _pk("entitlement")

# URL name → {path parameter → factory}. Every route of the URLconf must be here, in PUBLIC, or under
# the Django admin or the API (walked by operation).
ROUTES: dict[str, dict[str, Factory]] = {
    "home": {},
    "password_change": {},  # one's own password
    "departments": {},
    "staff_edit": {"username": lambda side: side.world.clerk.username},
    "staff_add": {},
    "staff_activation": {"username": lambda side: side.world.clerk.username},
    "staff_password": {"username": lambda side: side.world.clerk.username},
    "staff_unlock": {"username": lambda side: side.world.clerk.username},
    "staff_tokens_revoke": {"username": lambda side: side.world.clerk.username},
    "department_add": {},
    "department_edit": {"pk": lambda side: side.world.weibin_samr.pk},
    "registry:enterprise_list": {},
    "registry:enterprise_detail": {"uscc": USCC},
    "registry:my_enterprise": {},
    "registry:audit_log": {},
    "registry:access_log": {},
    "registry:import_upload": {},
    "registry:import_template": {},
    "registry:import_batch": {"pk": _pk("import_batch")},
    "registry:import_apply": {"pk": _pk("import_batch")},
    "registry:import_retry": {"pk": _pk("import_batch")},
    "registry:enterprise_export": {},
    "workdays:calendar": {},
    "workdays:arrangement_new": {},
    "workdays:arrangement_edit": {"year": lambda side: 2027},
    "workdays:arrangement_confirm": {"year": lambda side: 2027},
    "workdays:arrangement_delete": {"year": lambda side: 2027},
    "policies:library": {},
    "policies:item_detail": {"pk": _pk("run_item")},
    "policies:pack_detail": {"name": lambda side: side.pack.name},
    "policies:pack_version": {"name": lambda side: side.pack.name, "pk": _pk("pack")},
    "policies:pack_edit": {"name": lambda side: side.pack.name},
    "policies:pack_check": {"name": lambda side: side.pack.name},
    "policies:calculator_index": {},
    "policies:calculator": {"uscc": USCC},
    "policies:my_calculator": {},
    "policies:run_list": {},
    "policies:run_start": {},
    "policies:run_detail": {"pk": _pk("run")},
    "policies:run_status": {"pk": _pk("whatif_run")},
    "policies:run_item_results": {"pk": _pk("run"), "item_pk": _pk("run_item")},
    "policies:run_item_download": {"pk": _pk("run"), "item_pk": _pk("run_item")},
    "policies:whatif": {},
    "policies:whatif_detail": {"pk": _pk("whatif_run")},
    "entitlements:run_entitlements": {"pk": _pk("run")},
    "entitlements:ledger_sync": {"pk": _pk("ledger_sync")},
    "entitlements:entitlement_list": {},
    "entitlements:entitlement_bulk": {},
    "entitlements:budgets": {},
    "entitlements:entitlement_detail": {"pk": ENTITLEMENT},
    "entitlements:entitlement_act": {"pk": ENTITLEMENT},
    "entitlements:entitlement_reject": {"pk": ENTITLEMENT},
    "entitlements:entitlement_withdraw": {"pk": ENTITLEMENT},
    "entitlements:entitlement_clear_review": {"pk": ENTITLEMENT},
    "entitlements:entitlement_annotate": {"pk": ENTITLEMENT},
    "entitlements:entitlement_pay": {"pk": ENTITLEMENT},
    "entitlements:entitlement_publish": {"pk": ENTITLEMENT},
    "entitlements:notice_list": {},
    "entitlements:notice_detail": {"pk": _pk("notice")},
    "entitlements:objection_detail": {"pk": _pk("objection")},
    "entitlements:batch_list": {},
    "entitlements:batch_detail": {"pk": _pk("batch")},
    "entitlements:batch_download": {"pk": _pk("batch")},
    "entitlements:batch_upload": {"pk": _pk("batch")},
    "entitlements:reports": {},
    "entitlements:reports_export": {},
    "entitlements:data_gaps": {},
    "entitlements:data_gaps_export": {},
    "entitlements:possible": {},
    "entitlements:push_possible": {},
    "notifications:inbox": {},
    "notifications:detail": {"pk": _pk("message")},
    "notifications:read_all": {},
    "notifications:preferences": {},
    "portal:home": {},
    "portal:entitlement": {"pk": ENTITLEMENT},
    "portal:calculator": {},
    "portal:message": {"pk": _pk("message")},
    "portal:my_card": {},
    "portal:card_index": {},
    "portal:card_batch": {},
    "portal:card": {"uscc": USCC},
    "portal:card_reissue": {"uscc": USCC},
    "api_tokens:list": {},
    "api_tokens:revoke": {"pk": _pk("token")},
    "portal:appeals": {},
    "registry:login_log": {},
    "appeals:appeal_list": {},
    "appeals:ratings": {},
    "appeals:qr_codes": {},
    "appeals:categories": {},
    "appeals:routing_models": {},
    "appeals:routing_model": {"pk": lambda side: side.routing_model.pk},
    "appeals:routing_activate": {"pk": lambda side: side.routing_model.pk},
    "appeals:category_add": {},
    "appeals:category_edit": {"pk": lambda side: side.category.pk},
    "appeals:analytics": {},
    "appeals:analytics_export": {},
    "appeals:appeal_detail": {"number": lambda side: side.appeal.number},
    "appeals:appeal_act": {"number": lambda side: side.appeal.number},
    "appeals:hotline_upload": {},
    "appeals:hotline_batch": {"pk": _pk("hotline_batch")},
    "appeals:hotline_map": {"pk": _pk("hotline_batch")},
    "appeals:hotline_apply": {"pk": _pk("hotline_batch")},
}

# Open to everyone, on purpose: logging in and out, the 企业码 entry (the token is the credential),
# the public 公示 and 政策库, and the API's schema and docs. Their parameters are filled too.
PUBLIC: dict[str, dict[str, Factory]] = {
    "login": {},
    "logout": {},
    "portal:code_entry": {"token": lambda side: side.code_token},
    "portal:code_exit": {},
    "portal:notice_list": {},
    "portal:notice_detail": {"pk": _pk("notice")},
    "portal:library": {},
    "portal:library_item": {"pk": _pk("run_item")},
    # The public appeal form, and the requester's tracking page (its secret token is the credential; it
    # shows no name or phone).
    "appeals:new": {},
    "appeals:rate": {},
    "appeals:track": {"token": lambda side: side.appeal.token},
    # The Open311 API (appeals.open311): public reading of public fields (no contact data, tested in
    # appeals/tests/test_open311.py); a submission needs an api_key, so the walk's POSTs are refused.
    "open311:discovery": {"format": lambda side: "json"},
    "open311:services": {"format": lambda side: "xml"},
    "open311:service_definition": {"format": lambda side: "json", "service_code": lambda side: "general"},
    "open311:requests": {"format": lambda side: "json"},
    "open311:request_detail": {
        "format": lambda side: "xml",
        "service_request_id": lambda side: side.appeal.number,
    },
    "open311:token": {"format": lambda side: "json", "token": lambda side: side.appeal.token},
    "api:openapi-json": {},
    "api:openapi-view": {},
    "api:api-root": {},
}

# Routes that end or open a session (the next route gets a fresh client).
SESSION_CHANGING = {"logout", "portal:code_entry", "portal:code_exit"}

# The Django admin (is_staff accounts only; no role of the platform is one): every admin route, with its
# parameters filled by name.
ADMIN_PARAMETERS: dict[str, Factory] = {
    "app_label": lambda side: "registry",
    "object_id": lambda side: str(side.acme.pk),
    "content_type_id": lambda side: ContentType.objects.get_for_model(Enterprise).pk,
    "id": lambda side: side.world.clerk.pk,
    "url": lambda side: "registry/enterprise/",
}

# What a POST sends: data that would succeed were the route not scoped (the rest post nothing).
POSTS: dict[str, Factory] = {
    "staff_edit": lambda side: {
        "first_name": "越权",
        "role": "office_admin",
        "department": side.world.office.pk,
        "phone": "13000000000",
        "is_active": "on",
    },
    "staff_add": lambda side: {
        "username": "walk_new",
        "first_name": "越权",
        "role": "dept_staff",
        "department": side.world.weibin_samr.pk,
        "is_active": "on",
    },
    "staff_activation": lambda side: {"active": "0"},
    "staff_password": lambda side: {"password": "Walk-越权-2026x", "password_again": "Walk-越权-2026x"},
    "department_add": lambda side: {
        "name": "越权新部门",
        "code": "walk-new",
        "kind": "department",
        "parent": side.world.weibin_samr.pk,
        "order": "1",
        "is_active": "on",
    },
    "department_edit": lambda side: {
        "name": "越权改名",
        "code": side.world.weibin_samr.code,
        "kind": "department",
        "parent": side.world.weibin_samr.parent_id,
        "order": "1",
        "is_active": "on",
    },
    "workdays:arrangement_new": lambda side: {"year": "2028", "notice_title": "越权", "text": LINES_2027},
    "workdays:arrangement_edit": lambda side: {"year": "2027", "notice_title": "越权", "text": LINES_2027},
    "policies:pack_edit": lambda side: {"text": with_hnte_amount(20), "note": "越权"},
    "policies:pack_check": lambda side: {"text": with_hnte_amount(20)},
    "policies:whatif": lambda side: {"kind": "item", "item": HNTE_ITEM, "amount": "1元"},
    "entitlements:entitlement_bulk": lambda side: {"action": "export", "ids": [side.entitlement.pk]},
    "entitlements:entitlement_act": lambda side: {"action": "archive"},
    "entitlements:entitlement_reject": lambda side: {"reason": "越权"},
    "entitlements:entitlement_withdraw": lambda side: {"reason": "越权"},
    "entitlements:entitlement_clear_review": lambda side: {"note": "越权"},
    "entitlements:entitlement_annotate": lambda side: {"text": "越权"},
    "entitlements:entitlement_pay": lambda side: {
        "voucher_no": "YQ-PAY",
        "paid_on": clock.today().isoformat(),
        "amount": "100000.00",
    },
    "entitlements:entitlement_publish": lambda side: {"title": "越权公示", "workdays": "5"},
    "entitlements:objection_detail": lambda side: {"decision": "uphold", "resolution": "越权"},
    "entitlements:batch_upload": lambda side: {"file": side.returned_payment_file()},
    "appeals:hotline_map": lambda side: {
        **{f"col_{key}": str(index) for key, index in side.hotline_batch.mapping.items()},
        "default_district": str(side.world.weibin.pk),
        "default_kind": "consult",
    },
}

# API operation id → {path parameter → factory}; every operation must be here.
API_OPERATIONS: dict[str, dict[str, Factory]] = {
    "me": {},
    "enterprises_list": {},
    "enterprise_detail": {"uscc": USCC},
    "enterprise_qualifications": {"uscc": USCC},
    "qualifications_list": {},
    "departments_list": {},
    "department_detail": {"code": lambda side: side.world.weibin_samr.code},
    "industries_list": {},
    "policy_items": {},
    "policy_calculator": {"uscc": USCC},
    "policy_runs": {},
    "policy_run": {"run_id": _pk("run")},
    "policy_run_results": {"run_id": _pk("run")},
    "policy_entitlements": {},
    "policy_entitlement": {"entitlement_id": ENTITLEMENT},
}

# Tables whose rows must not change (rows of the actor itself and of its own enterprise excepted).
WATCHED: tuple[type[models.Model], ...] = (
    Enterprise,
    Qualification,
    User,
    Department,
    ImportBatch,
    ApiToken,
    Entitlement,
    EntitlementNote,
    PublicNotice,
    Objection,
    PaymentBatch,
    PolicyPack,
    MatchRun,
    HolidayYear,
    HolidayEntry,
    Message,
    EnterpriseContact,
    ChannelPreference,
    EnterpriseCode,
    HotlineBatch,
)
VOLATILE = {"last_login", "last_used_at"}


# ==================================================================================================
# Enumerating the URLconf and the API
# ==================================================================================================


@dataclass(frozen=True)
class Route:
    route: str  # the pattern as written, prefixes joined
    name: str | None  # "namespace:name"
    pattern: URLPattern

    @property
    def key(self) -> str:
        return self.name or self.route

    @property
    def parameters(self) -> list[str]:
        return [a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", self.route)]

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("django-admin/")

    @property
    def is_api(self) -> bool:
        return (self.name or "").startswith("api:") and self.key not in PUBLIC


def url_routes() -> Iterator[Route]:
    def walk(patterns: list[Any], prefix: str, namespace: str | None) -> Iterator[Route]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            else:
                name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
                yield Route(prefix + str(entry.pattern), name, entry)

    yield from walk(get_resolver().url_patterns, "", None)


def api_operations() -> list[tuple[str, str, str, list[str]]]:
    """(method, path template, operation id, path parameters) of every operation in the schema."""
    schema = api.get_openapi_schema(path_prefix="/api")
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            names = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "path"]
            found.append((method.upper(), path, operation["operationId"], names))
    return found


def route_url(route: Route, side: Side) -> str:
    if route.is_admin:
        # Filled by hand: some admin routes (django-simple-history's) have unnamed groups.
        values = {name: ADMIN_PARAMETERS[name](side) for name in route.parameters}
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), route.route)
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), path)
        path = re.sub(r"\([^)]*\)", str(side.acme.pk), path)
        return "/" + path.replace("^", "").replace("$", "").replace("\\", "")
    table = ROUTES.get(route.key, PUBLIC.get(route.key, {}))
    return reverse(route.key, kwargs={name: table[name](side) for name in route.parameters})


# ==================================================================================================
# Asking, and judging the answer
# ==================================================================================================


def body_text(response: HttpResponse) -> str:
    """The answer as text; a spreadsheet (or any zip) is opened and its XML parts read, JSON is read
    (it writes Chinese as \\u escapes)."""
    streaming = getattr(response, "streaming", False)
    data = b"".join(response.streaming_content) if streaming else response.content  # type: ignore[attr-defined]
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # openpyxl writes Chinese as character references (&#23453;…): unescape them.
            return html.unescape(
                "".join(
                    archive.read(member).decode("utf-8", "replace")
                    for member in archive.namelist()
                    if member.endswith(".xml")
                )
            )
    text = data.decode("utf-8", "replace")
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


def refused(response: HttpResponse) -> bool:
    if response.status_code in (401, 403, 404, 405):
        return True
    location = response.get("Location", "")
    return response.status_code in (301, 302) and location.split("?")[0] in (
        "/login/",
        "/django-admin/login/",
    )


def problems_of(response: HttpResponse, texts: dict[str, str]) -> list[str]:
    if response.status_code >= 500:
        return [f"服务器错误 {response.status_code}"]
    if refused(response):
        return []
    shown = body_text(response) + response.get("Location", "")
    return [f"{response.status_code} 显示了{label}“{text}”" for label, text in texts.items() if text in shown]


def snapshot(actor: User | None) -> dict[str, list[tuple[Any, ...]]]:
    """Every watched row except the actor's own (its account, its tokens, its enterprise's rows)."""
    state = {}
    for model in WATCHED:
        rows = model._base_manager.order_by("pk")
        names = {f.name for f in model._meta.get_fields()}
        if actor is not None:
            if model is User:
                rows = rows.exclude(pk=actor.pk)
            if "user" in names:
                rows = rows.exclude(user=actor)
            if "enterprise" in names and actor.enterprise_id:
                rows = rows.exclude(enterprise_id=actor.enterprise_id)
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in VOLATILE]
        state[model._meta.label] = list(rows.values_list(*fields))
    return state


def changed(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    return [label for label in before if before[label] != after[label]]


def client_for(world: World, actor: str | None) -> tuple[Client, User | None]:
    client = Client()
    user = getattr(world, actor) if actor else None
    if user is not None:
        client.force_login(user)
    return client, user


# ==================================================================================================
# The tests
# ==================================================================================================


def test_every_route_is_in_the_walk() -> None:
    """A route without an entry (a view added later) fails here, named; so does a stale entry."""
    missing, unfilled, seen = [], [], set()
    for route in url_routes():
        if route.is_api:
            continue  # walked operation by operation below
        if route.is_admin:
            unknown = [p for p in route.parameters if p not in ADMIN_PARAMETERS]
            if unknown:
                unfilled.append(f"{route.route}：{'、'.join(unknown)}")
            continue
        seen.add(route.key)
        table = ROUTES.get(route.key, PUBLIC.get(route.key))
        if table is None:
            missing.append(f"{route.key}（/{route.route}）")
            continue
        unknown = [p for p in route.parameters if p not in table]
        if unknown:
            unfilled.append(f"{route.key}：{'、'.join(unknown)}")
    stale = sorted(set(ROUTES) - seen) + sorted(set(PUBLIC) - seen)
    assert not missing, "这些路由没有写进越权走查表（ROUTES 或 PUBLIC），请补上参数表：" + "；".join(missing)
    assert not unfilled, "这些路由参数在走查表中没有取值：" + "；".join(unfilled)
    assert not stale, "走查表中这些路由已不存在：" + "、".join(stale)
    assert not set(ROUTES) & set(PUBLIC)


def test_every_api_operation_is_in_the_walk() -> None:
    operations = api_operations()
    missing = [f"{op}（{method} {path}）" for method, path, op, _ in operations if op not in API_OPERATIONS]
    unfilled = [
        f"{op}：{name}"
        for _, _, op, names in operations
        if op in API_OPERATIONS
        for name in names
        if name not in API_OPERATIONS[op]
    ]
    stale = sorted(set(API_OPERATIONS) - {op for _, _, op, _ in operations})
    assert not missing, "这些接口没有写进越权走查表（API_OPERATIONS）：" + "；".join(missing)
    assert not unfilled, "这些接口参数在走查表中没有取值：" + "；".join(unfilled)
    assert not stale, "走查表中这些接口已不存在：" + "、".join(stale)


def assert_the_owners_see_the_side(side: Side) -> None:
    """The walk's premise: what the forbidden side must not see is there to be seen by its owners."""
    world = side.world
    own = world.client_for(world.weibin_admin)
    assert side.batch.number in own.get(reverse("entitlements:batch_list")).content.decode()
    assert ACCOUNT_NO in body_text(own.get(reverse("entitlements:batch_download", args=[side.batch.pk])))
    assert (
        IMPORTED_NAME
        in own.get(reverse("registry:import_batch", args=[side.import_batch.pk])).content.decode()
    )
    assert (
        OBJECTOR_PHONE
        in own.get(reverse("entitlements:objection_detail", args=[side.objection.pk])).content.decode()
    )
    assert CLERK_PHONE in own.get(reverse("staff_edit", args=["clerk"])).content.decode()
    assert HOTLINE_FILE in own.get(reverse("appeals:hotline_upload")).content.decode()
    assert side.hotline_batch.state == "previewed"
    assert (
        MESSAGE_SUBJECT in world.client_for(world.owner).get(reverse("notifications:inbox")).content.decode()
    )
    token = ApiToken.issue(world.weibin_admin, "走查")[1]
    detail = Client().get(f"/api/registry/enterprises/{side.acme.uscc}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert detail.status_code == 200 and side.acme.name in body_text(detail)


@pytest.fixture
def side(world: World, tmp_path: Any, settings: Any) -> Side:
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_side(world, tmp_path)


def test_no_route_leaks_the_other_districts_rows_to_the_forbidden_side(side: Side) -> None:
    """Every URL × GET and POST × (金台区 admin, 金台区 clerk, another enterprise, no role, anonymous)."""
    assert_the_owners_see_the_side(side)
    texts = side.texts()
    leaks: list[str] = []
    routes = [r for r in url_routes() if not r.is_api]
    for actor in ACTORS:
        client, user = client_for(side.world, actor)
        before = snapshot(user)
        for route in routes:
            if route.key in SESSION_CHANGING:
                client, user = client_for(side.world, actor)  # a fresh session, thrown away after
            url = route_url(route, side)
            who = actor or "匿名访客"
            for method in ("GET", "POST"):
                if method == "GET":
                    response = client.get(url)
                else:
                    data = POSTS[route.key](side) if route.key in POSTS else {}
                    response = client.post(url, data)
                # Open311's public answers are judged like any other: they carry public fields only.
                if route.key in PUBLIC and not route.key.startswith("open311:"):
                    if response.status_code >= 500:
                        leaks.append(f"{method} {url} [{route.key}] 以 {who}：服务器错误")
                    continue
                leaks += [f"{method} {url} [{route.key}] 以 {who}：{p}" for p in problems_of(response, texts)]
            after = snapshot(user)
            if changed(before, after):
                leaks.append(
                    f"GET/POST {url} [{route.key}] 以 {who}：改动了 {'、'.join(changed(before, after))}"
                )
            before = after
            if route.key in SESSION_CHANGING:
                client, user = client_for(side.world, actor)
    for leak in leaks:
        print(leak)
    assert leaks == [], f"{len(leaks)} 处越权：\n" + "\n".join(leaks)


def test_no_api_operation_leaks_the_other_districts_rows_to_the_forbidden_side(side: Side) -> None:
    """Every API operation × (the same actors, each with its own token; anonymous: none)."""
    texts = side.texts()
    keys = {actor: ApiToken.issue(getattr(side.world, actor), "走查")[1] for actor in ACTORS if actor}
    leaks: list[str] = []
    for actor in ACTORS:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {keys[actor]}"} if actor else {}
        user = getattr(side.world, actor) if actor else None
        before = snapshot(user)
        for method, path, operation, names in api_operations():
            values = {name: API_OPERATIONS[operation][name](side) for name in names}
            url = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)  # noqa: B023
            response = Client().generic(method, url, **headers)
            if response.status_code == 422:
                leaks.append(f"{method} {url} 以 {actor or '匿名'}：参数无效，走查表取值有误")
            leaks += [f"{method} {url} 以 {actor or '匿名'}：{p}" for p in problems_of(response, texts)]
        if changed(before, snapshot(user)):
            leaks.append(f"接口 以 {actor or '匿名'}：改动了 {'、'.join(changed(before, snapshot(user)))}")
    for leak in leaks:
        print(leak)
    assert leaks == [], f"{len(leaks)} 处越权：\n" + "\n".join(leaks)
