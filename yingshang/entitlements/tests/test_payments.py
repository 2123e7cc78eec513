"""Payment: the .xlsx for the finance bureau, its return (all or nothing), a payment recorded by hand,
never twice, and archiving."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from yingshang.conftest import World
from yingshang.entitlements.models import Entitlement, PaymentBatch
from yingshang.entitlements.services import (
    PAYMENT_HEADERS,
    EntitlementRefused,
    approve_entitlements,
    archive_entitlement,
    export_payment_batch,
    import_payment_file,
    publish_notice,
    raise_objection,
    record_payment,
)
from yingshang.entitlements.tests.entitlement_builders import (
    DAY,
    PAYEE,
    confirmed,
    entitlement_of,
    matched,
    neighbour,
    on_day,
    publicized,
    sheet_rows,
)
from yingshang.notifications.models import Message
from yingshang.workdays.services import get_calendar

pytestmark = pytest.mark.django_db

BACKBONE = "xx18_art3_srdi_backbone"
PAID_ON = dt.date(2026, 7, 13)
AFTER = dt.date(2026, 7, 15)  # 公示 from DAY (2026-07-01) ends on 07-08


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch: pytest.MonkeyPatch) -> None:
    on_day(monkeypatch, DAY)


@pytest.fixture
def payable(world: World, monkeypatch: pytest.MonkeyPatch) -> list[Entitlement]:
    """acme's confirmed 专精特新骨干 reward (with a bank account) and its 渭滨区 neighbour's 高企 reward,
    公示 over (a payment batch holds one district's entitlements)."""
    acme = confirmed(world, world.acme, BACKBONE, amount=300_000_05, verdict="needs_confirmation")
    approve_entitlements([acme.pk], by=world.admin)
    publish_notice([acme.pk], by=world.admin, title="第一批公示")
    second = publicized(world, neighbour(world))
    assert get_calendar().add_workdays(DAY, 5) < AFTER
    on_day(monkeypatch, AFTER)
    return [entitlement_of(world.acme, BACKBONE), second]


def filled(data: bytes, rows: dict[int, tuple[object, object]], fmt: str = "xlsx", **cells: object) -> bytes:
    """The exported sheet with voucher numbers and dates filled in (row number → (voucher, date));
    `cells` overwrite other cells ('F3': amount)."""
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    for row, (voucher, day) in rows.items():
        sheet.cell(row=row, column=10).value = voucher
        sheet.cell(row=row, column=11).value = day
    for ref, value in cells.items():
        sheet[ref] = value
    if fmt == "xlsx":
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    text = io.StringIO()
    writer = csv.writer(text)
    for values in sheet.iter_rows(values_only=True):
        writer.writerow(
            ["" if v is None else (v.isoformat() if isinstance(v, dt.date) else v) for v in values]
        )
    return text.getvalue().encode(fmt)


def states(items: list[Entitlement]) -> list[tuple[str, str]]:
    return [
        (e.state, e.voucher_no)
        for e in Entitlement.objects.filter(pk__in=[i.pk for i in items]).order_by("pk")
    ]


# --- export ---------------------------------------------------------------------------------------


def test_the_payment_file_lists_each_entitlement_with_exact_yuan_and_the_bank_account(
    world: World, payable: list[Entitlement]
) -> None:
    acme, bolt = payable
    batch, data = export_payment_batch([acme.pk, bolt.pk], by=world.admin)
    rows = sheet_rows(data)
    assert rows[0][0] == f"政策兑现拨付清单 批次 {batch.number}，共 2 笔，合计 400,000.05 元"
    assert rows[1] == PAYMENT_HEADERS
    assert rows[2][:9] == (
        1,
        acme.pk,
        world.acme.name,
        world.acme.uscc,
        "新增（含复审）陕西省“专精特新”骨干企业奖励",
        300000.05,
        world.acme.name,
        PAYEE["bank"],
        PAYEE["account_no"],
    )
    assert rows[2][9:] == (None, None)
    assert rows[3][1] == bolt.pk and rows[3][5] == 100000
    book = load_workbook(io.BytesIO(data)).active
    assert book["F3"].number_format == "0.00" and book["I3"].data_type == "s"
    assert (batch.count, batch.total_fen, batch.state, batch.number) == (
        2,
        400_000_05,
        "exported",
        "ZF20260715-001",
    )
    assert entitlement_of(world.acme, BACKBONE).payment_batch == batch
    assert (
        entitlement_of(world.acme, BACKBONE).history.first().history_change_reason.startswith("导出拨付文件")
    )


def test_a_batch_records_its_district(world: World, payable: list[Entitlement]) -> None:
    batch, _ = export_payment_batch([e.pk for e in payable], by=world.admin)
    assert batch.district == world.weibin


def test_entitlements_of_two_districts_are_never_one_batch(
    world: World, payable: list[Entitlement], monkeypatch: pytest.MonkeyPatch
) -> None:
    on_day(monkeypatch, DAY)
    bolt = publicized(world, world.bolt)
    on_day(monkeypatch, AFTER)
    with pytest.raises(EntitlementRefused) as refused:
        export_payment_batch([payable[0].pk, bolt.pk], by=world.admin)
    assert refused.value.message == (
        "所选事项分属 2 个区县（渭滨区、金台区）：一个拨付批次只能包含一个区县的事项，请按区县分别导出"
    )
    assert not PaymentBatch.objects.exists()
    assert Entitlement.objects.filter(payment_batch__isnull=False).count() == 0


def test_a_district_office_cannot_record_the_return_of_another_districts_batch(
    world: World, payable: list[Entitlement]
) -> None:
    batch, data = export_payment_batch([e.pk for e in payable], by=world.admin)
    returned = filled(data, {3: ("CZ2026-0001", PAID_ON), 4: ("CZ2026-0002", PAID_ON)})
    with pytest.raises(EntitlementRefused, match="不在您的管辖范围内"):
        import_payment_file(batch, returned, "回执.xlsx", by=world.jintai_admin)
    assert not Entitlement.objects.filter(state="paid").exists()


def test_a_second_batch_of_the_day_gets_the_next_number(world: World, payable: list[Entitlement]) -> None:
    first, _ = export_payment_batch([payable[0].pk], by=world.admin)
    second, _ = export_payment_batch([payable[1].pk], by=world.admin)
    assert (first.number, second.number) == ("ZF20260715-001", "ZF20260715-002")


def test_an_entitlement_still_on_public_notice_is_not_exported(
    world: World, payable: list[Entitlement], monkeypatch: pytest.MonkeyPatch
) -> None:
    on_day(monkeypatch, payable[0].notice.ends_on)
    with pytest.raises(EntitlementRefused, match="公示期满后才能兑付"):
        export_payment_batch([payable[0].pk], by=world.admin)
    assert not PaymentBatch.objects.exists()


def test_an_entitlement_with_an_open_objection_is_not_exported(
    world: World, payable: list[Entitlement], monkeypatch: pytest.MonkeyPatch
) -> None:
    on_day(monkeypatch, DAY)
    raise_objection(payable[1].notice, text="名单有误")  # against the whole list
    on_day(monkeypatch, AFTER)
    with pytest.raises(EntitlementRefused, match="公示异议尚未处理完毕"):
        export_payment_batch([payable[1].pk], by=world.admin)


def test_an_entitlement_already_in_a_batch_waiting_for_the_receipt_is_not_exported_again(
    world: World, payable: list[Entitlement]
) -> None:
    batch, _ = export_payment_batch([payable[0].pk], by=world.admin)
    with pytest.raises(EntitlementRefused, match=f"已在拨付批次 {batch.number} 中"):
        export_payment_batch([payable[0].pk], by=world.admin)


def test_an_entitlement_not_publicized_is_not_exported(world: World) -> None:
    e = matched(world.acme)
    with pytest.raises(EntitlementRefused, match="当前状态为“已比对”，不能登记兑付"):
        export_payment_batch([e.pk], by=world.admin)


@pytest.mark.parametrize("who", ["clerk", "other_clerk", "owner", "nobody"])
def test_only_the_office_exports_and_imports_payments(
    world: World, payable: list[Entitlement], who: str
) -> None:
    user = getattr(world, who)
    with pytest.raises(EntitlementRefused, match="只有营商办管理员"):
        export_payment_batch([payable[0].pk], by=user)
    batch, data = export_payment_batch([payable[0].pk], by=world.admin)
    with pytest.raises(EntitlementRefused, match="只有营商办管理员"):
        import_payment_file(batch, filled(data, {3: ("V1", PAID_ON)}), "回执.xlsx", by=user)
    assert states(payable)[0] == ("publicized", "")


# --- the returned file ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name"), [("xlsx", "回执.xlsx"), ("utf-8-sig", "回执.csv"), ("gb18030", "回执.csv")]
)
def test_the_returned_file_records_every_payment_and_settles_the_batch(
    world: World, payable: list[Entitlement], fmt: str, name: str
) -> None:
    batch, data = export_payment_batch([e.pk for e in payable], by=world.admin)
    returned = filled(data, {3: ("CZ2026-0001", PAID_ON), 4: ("CZ2026-0002", "2026/7/14")}, fmt)
    result = import_payment_file(batch, returned, name, by=world.admin)
    assert result.errors == [] and result.ok
    assert (result.paid, result.total_fen) == (2, 400_000_05)
    acme = entitlement_of(world.acme, BACKBONE)
    assert (acme.state, acme.voucher_no, acme.paid_on, acme.paid_fen) == (
        "paid",
        "CZ2026-0001",
        PAID_ON,
        300_000_05,
    )
    assert entitlement_of(payable[1].enterprise).paid_on == dt.date(2026, 7, 14)
    batch.refresh_from_db()
    assert batch.state == "settled" and batch.settled_at is not None
    assert Message.objects.filter(topic="entitlement.paid", channel="inbox").count() == 2


def test_a_partial_receipt_leaves_the_batch_open(world: World, payable: list[Entitlement]) -> None:
    batch, data = export_payment_batch([e.pk for e in payable], by=world.admin)
    book = load_workbook(io.BytesIO(data))
    book.active.delete_rows(4)
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_payment_file(
        batch, filled(buffer.getvalue(), {3: ("CZ1", PAID_ON)}), "回执.xlsx", by=world.admin
    )
    assert result.paid == 1
    batch.refresh_from_db()
    assert batch.state == "exported"


@pytest.mark.parametrize(
    ("cells", "rows", "message"),
    [
        ({"F3": 300000.5}, {}, "第3行 “金额（元）”列：金额 300,000.50 元 与核定金额 300,000.05 元 不一致"),
        ({"F4": "十万"}, {}, "第4行 “金额（元）”列：金额“十万”不是数字"),
        ({"F3": None}, {}, "第3行 “金额（元）”列：金额不能为空"),
        ({"F3": 300000.051}, {}, "第3行 “金额（元）”列：金额“300000.051”精确到分最多 2 位小数"),
        ({}, {4: ("CZ1", PAID_ON)}, "第4行 “支付凭证号”列：凭证号 CZ1 与第3行重复"),
        ({}, {4: (None, PAID_ON)}, "第4行 “支付凭证号”列：支付凭证号不能为空"),
        ({}, {4: ("CZ2", "2026-02-30")}, "第4行 “支付日期”列：支付日期“2026-02-30”不是存在的日期"),
        ({}, {4: ("CZ2", dt.date(2026, 7, 16))}, "第4行 “支付日期”列：支付日期 2026-07-16 晚于今天"),
        (
            {},
            {4: ("CZ2", dt.date(2026, 7, 8))},
            "第4行 “支付日期”列：支付日期 2026-07-08 应在公示期满（2026-07-08）之后",
        ),
        ({"B4": 999999}, {}, "第4行 “兑现编号”列：编号 999999 不属于拨付批次"),
        ({"B4": "abc"}, {}, "第4行 “兑现编号”列：“abc”不是本系统的兑现编号"),
    ],
)
def test_any_error_in_the_returned_file_records_nothing_and_says_where(
    world: World,
    payable: list[Entitlement],
    cells: dict[str, object],
    rows: dict[int, tuple[object, object]],
    message: str,
) -> None:
    batch, data = export_payment_batch([e.pk for e in payable], by=world.admin)
    returned = filled(data, {3: ("CZ1", PAID_ON), 4: ("CZ2", PAID_ON)} | rows, **cells)
    result = import_payment_file(batch, returned, "回执.xlsx", by=world.admin)
    assert not result.ok and result.paid == 0
    assert any(e.startswith(message) for e in result.errors), result.errors
    assert states(payable) == [("publicized", ""), ("publicized", "")]
    batch.refresh_from_db()
    assert batch.state == "exported"


def test_a_row_naming_the_same_entitlement_twice_is_an_error(
    world: World, payable: list[Entitlement]
) -> None:
    batch, data = export_payment_batch([e.pk for e in payable], by=world.admin)
    returned = filled(data, {3: ("CZ1", PAID_ON), 4: ("CZ2", PAID_ON)}, B4=payable[0].pk)
    result = import_payment_file(batch, returned, "回执.xlsx", by=world.admin)
    assert f"第4行 “兑现编号”列：编号 {payable[0].pk} 与第3行重复" in result.errors


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "回执.xlsx", "是空的"),
        (b"not a workbook", "回执.xlsx", "内容不是 Excel 工作簿"),
        ("序号,企业名称\n1,甲\n".encode(), "回执.csv", "找不到表头"),
        ("兑现编号,金额（元）\n1,2\n".encode(), "回执.csv", "缺少列：支付凭证号、支付日期"),
        (b"x", "回执.pdf", "只支持 .xlsx 和 .csv"),
    ],
)
def test_a_file_that_is_not_a_payment_receipt_is_refused_in_chinese(
    world: World, payable: list[Entitlement], data: bytes, name: str, message: str
) -> None:
    batch, _ = export_payment_batch([e.pk for e in payable], by=world.admin)
    result = import_payment_file(batch, data, name, by=world.admin)
    assert len(result.errors) == 1 and message in result.errors[0], result.errors


def test_importing_the_same_receipt_twice_pays_nothing_twice(
    world: World, payable: list[Entitlement]
) -> None:
    batch, data = export_payment_batch([e.pk for e in payable], by=world.admin)
    returned = filled(data, {3: ("CZ1", PAID_ON), 4: ("CZ2", PAID_ON)})
    assert import_payment_file(batch, returned, "回执.xlsx", by=world.admin).ok
    again = import_payment_file(batch, returned, "回执.xlsx", by=world.admin)
    assert not again.ok and again.paid == 0
    assert any("已于 2026年07月13日 登记兑付（凭证号 CZ1），不能重复兑付" in e for e in again.errors)
    assert Message.objects.filter(topic="entitlement.paid", channel="inbox").count() == 2


def test_a_voucher_number_already_used_elsewhere_is_an_error(
    world: World, payable: list[Entitlement]
) -> None:
    record_payment(payable[1], by=world.admin, voucher_no="CZ1", paid_on=PAID_ON, amount_fen=100_000_00)
    batch, data = export_payment_batch([payable[0].pk], by=world.admin)
    result = import_payment_file(batch, filled(data, {3: ("CZ1", PAID_ON)}), "回执.xlsx", by=world.admin)
    assert result.errors == [f"第3行 “支付凭证号”列：凭证号 CZ1 已用于另一笔兑付（编号 {payable[1].pk}）"]


# --- by hand, and archiving -----------------------------------------------------------------------


def test_a_payment_is_recorded_by_hand_with_its_voucher(world: World, payable: list[Entitlement]) -> None:
    e = record_payment(payable[1], by=world.admin, voucher_no="CZ9", paid_on=PAID_ON, amount_fen=100_000_00)
    assert (e.state, e.voucher_no, e.paid_fen) == ("paid", "CZ9", 100_000_00)
    assert e.history.first().history_change_reason == "登记兑付"


def test_a_second_payment_of_the_same_entitlement_is_refused(
    world: World, payable: list[Entitlement]
) -> None:
    record_payment(payable[1], by=world.admin, voucher_no="CZ9", paid_on=PAID_ON, amount_fen=100_000_00)
    with pytest.raises(EntitlementRefused, match="已于 2026年07月13日 登记兑付（凭证号 CZ9），不能重复兑付"):
        record_payment(payable[1], by=world.admin, voucher_no="CZ10", paid_on=PAID_ON, amount_fen=100_000_00)
    assert entitlement_of(payable[1].enterprise).voucher_no == "CZ9"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount_fen": 99_999_99}, "兑付金额 99,999.99 元 与核定金额 100,000.00 元 不一致"),
        ({"voucher_no": " "}, "请填写支付凭证号"),
        ({"paid_on": dt.date(2026, 7, 16)}, "晚于今天"),
        ({"paid_on": dt.date(2026, 7, 1)}, "支付日期应在公示期满"),
    ],
)
def test_a_payment_that_does_not_match_is_refused(
    world: World, payable: list[Entitlement], changes: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {"voucher_no": "CZ9", "paid_on": PAID_ON, "amount_fen": 100_000_00}
    with pytest.raises(EntitlementRefused, match=message):
        record_payment(payable[1], by=world.admin, **(arguments | changes))  # type: ignore[arg-type]
    assert entitlement_of(payable[1].enterprise).state == "publicized"


def test_a_paid_entitlement_is_archived_and_then_closed(world: World, payable: list[Entitlement]) -> None:
    e = record_payment(payable[1], by=world.admin, voucher_no="CZ9", paid_on=PAID_ON, amount_fen=100_000_00)
    e = archive_entitlement(e, by=world.admin)
    assert e.state == "archived" and e.archived_at is not None
    with pytest.raises(EntitlementRefused, match="已归档"):
        archive_entitlement(e, by=world.admin)


def test_an_open_entitlement_is_not_archived(world: World) -> None:
    with pytest.raises(EntitlementRefused, match="不能归档"):
        archive_entitlement(matched(world.acme), by=world.admin)


def test_a_payee_field_that_looks_like_a_formula_is_text_in_the_finance_bureaus_file(
    world: World, payable: list[Entitlement]
) -> None:
    """A bank name typed on the 企业码 page must not become a live formula in the payment file."""
    trap = '=HYPERLINK("http://evil.example/","点此核对")'
    Entitlement.objects.filter(pk=payable[0].pk).update(payee=payable[0].payee | {"bank": trap})
    _, data = export_payment_batch([e.pk for e in payable], by=world.admin)
    cell = load_workbook(io.BytesIO(data)).active.cell(row=3, column=8)
    assert (cell.value, cell.data_type) == (trap, "s")
