"""兑付: payments recorded one by one or through the finance bureau's batch file and its return;
archiving."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from yingshang.core import clock
from yingshang.core.money import format_fen, to_yuan
from yingshang.core.scope import in_reach
from yingshang.core.spreadsheets import (
    CellProblem,
    ImportRefused,
    Sheet,
    cell_text,
    is_blank,
    normalise_header,
    parse_date,
    parse_money_fen,
    read_tables,
    write_workbook,
)
from yingshang.entitlements.models import Entitlement, Objection, PaymentBatch
from yingshang.entitlements.services.common import (
    AMOUNT_PENDING,
    EntitlementRefused,
    _label,
    _locked,
    _next,
    _require_in,
    _require_manage,
    _save,
    visible_entitlements,
)
from yingshang.entitlements.services.review import _notify_follow_up
from yingshang.entitlements.workflow import (
    Action,
    State,
)
from yingshang.registry.models import District, User

# ==================================================================================================
# Payment
# ==================================================================================================


@dataclass(frozen=True)
class _OpenObjections:
    """Which entitlements have an open objection, for many at once (one query)."""

    notices: frozenset[int]  # 公示 with an open objection against the whole list
    entitlements: frozenset[int]

    @classmethod
    def of(cls, rows: Iterable[Entitlement]) -> _OpenObjections:
        notice_ids = {e.notice_id for e in rows if e.notice_id}
        found = Objection.objects.filter(notice_id__in=notice_ids, state="open").values_list(
            "notice_id", "entitlement_id"
        )
        pairs = list(found)
        return cls(
            frozenset(n for n, e in pairs if e is None), frozenset(e for _, e in pairs if e is not None)
        )

    def against(self, e: Entitlement) -> bool:
        return e.pk in self.entitlements or e.notice_id in self.notices


def _payable_problem(e: Entitlement, day: dt.date, objections: _OpenObjections | None = None) -> str:
    """Why `e` cannot be paid now ('' when it can)."""
    if e.state == State.PAID or e.voucher_no:
        return f"已于 {e.paid_on:%Y年%m月%d日} 登记兑付（凭证号 {e.voucher_no}），不能重复兑付"
    try:
        _next(e, Action.PAY, day)
    except EntitlementRefused as exc:
        return exc.message
    if e.notice_id is None:
        return "未经公示，不能兑付"
    if (objections or _OpenObjections.of([e])).against(e):
        return "公示异议尚未处理完毕，不能兑付"
    if e.amount_fen is None:
        return "金额尚未确定"
    return ""


def record_payment(
    e: Entitlement, *, by: User, voucher_no: str, paid_on: dt.date, amount_fen: int
) -> Entitlement:
    """Record that the money was paid (voucher number and date); a second payment is refused."""
    _require_manage(by)
    voucher = (voucher_no or "").strip()
    if not voucher:
        raise EntitlementRefused("请填写支付凭证号")
    if len(voucher) > 50:
        raise EntitlementRefused("支付凭证号不超过 50 个字符")
    day = clock.today()
    if paid_on > day:
        raise EntitlementRefused(f"支付日期 {paid_on:%Y-%m-%d} 晚于今天，请核对")
    with transaction.atomic():
        e = _locked(e)
        _require_in(visible_entitlements(by), e, "登记兑付")
        problem = _payable_problem(e, day)
        if problem:
            raise EntitlementRefused(f"{_label(e)}：{problem}")
        _check_payment(e, voucher, paid_on, amount_fen)
        return _pay(e, by, voucher, paid_on, amount_fen)


def _check_payment(e: Entitlement, voucher: str, paid_on: dt.date, amount_fen: int) -> None:
    if amount_fen != e.amount_fen:
        raise EntitlementRefused(
            f"兑付金额 {format_fen(amount_fen)} 与核定金额 {format_fen(e.amount_fen, AMOUNT_PENDING)} "
            "不一致，请核对"
        )
    if e.notice is not None and paid_on <= e.notice.ends_on:
        raise EntitlementRefused(f"支付日期应在公示期满（{e.notice.ends_on:%Y-%m-%d}）之后")
    used = Entitlement.objects.filter(voucher_no=voucher).exclude(pk=e.pk).first()
    if used is not None:
        raise EntitlementRefused(f"支付凭证号 {voucher} 已用于另一笔兑付（编号 {used.pk}）")


def _pay(e: Entitlement, by: User, voucher: str, paid_on: dt.date, amount_fen: int) -> Entitlement:
    e.state = State.PAID.value
    e.voucher_no, e.paid_on, e.paid_fen = voucher, paid_on, amount_fen
    e.due_on = None
    try:
        with transaction.atomic():
            _save(e, by, Action.PAY.label)
    except IntegrityError:
        raise EntitlementRefused(f"支付凭证号 {voucher} 已被使用") from None
    _notify_follow_up(
        e,
        kind="paid",
        subject=f"政策兑现到账提醒：{e.item.title}",
        body=(
            f"{e.enterprise.name}：“{e.item.title}”奖补资金 {format_fen(amount_fen)} "
            f"已于 {paid_on:%Y年%m月%d日} 拨付，请查收。"
        ),
    )
    return e


PAYMENT_HEADERS = (
    "序号",
    "兑现编号",
    "企业名称",
    "统一社会信用代码",
    "奖补事项",
    "金额（元）",
    "收款户名",
    "开户银行",
    "账号",
    "支付凭证号",
    "支付日期",
)


def _batch_number(day: dt.date) -> str:
    prefix = f"ZF{day:%Y%m%d}-"
    taken = PaymentBatch.objects.filter(number__startswith=prefix).count()
    return f"{prefix}{taken + 1:03d}"


def export_payment_batch(ids: Iterable[int], *, by: User) -> tuple[PaymentBatch, bytes]:
    """A 拨付批次 of entitlements whose 公示 ended without open objections, as .xlsx for 财政局."""
    _require_manage(by)
    wanted = sorted(set(int(i) for i in ids))
    if not wanted:
        raise EntitlementRefused("请先选择要拨付的事项")
    day = clock.today()
    with transaction.atomic():
        rows = list(
            Entitlement.objects.select_for_update(of=("self",))
            .select_related("enterprise", "item", "notice", "payment_batch")
            .filter(pk__in=visible_entitlements(by).filter(pk__in=wanted).values("pk"))
            .order_by("pk")
        )
        if len(rows) != len(wanted):
            raise EntitlementRefused("所选事项中有找不到或不在您管辖范围内的，请刷新后重试")
        districts = sorted({e.district_id for e in rows})
        if len(districts) > 1:
            names = "、".join(
                District.objects.filter(pk__in=districts).order_by("code").values_list("name", flat=True)
            )
            raise EntitlementRefused(
                f"所选事项分属 {len(districts)} 个区县（{names}）："
                "一个拨付批次只能包含一个区县的事项，请按区县分别导出"
            )
        problems = []
        objections = _OpenObjections.of(rows)
        for e in rows:
            problem = _payable_problem(e, day, objections)
            if not problem and e.payment_batch is not None and e.payment_batch.state == "exported":
                problem = f"已在拨付批次 {e.payment_batch.number} 中，等待财政回执"
            if problem:
                problems.append(f"{_label(e)}：{problem}")
        if problems:
            raise EntitlementRefused("以下事项不能导出拨付：" + "；".join(problems))
        total = sum(e.amount_fen or 0 for e in rows)
        batch = PaymentBatch.objects.create(
            number=_batch_number(day),
            count=len(rows),
            total_fen=total,
            created_by=by,
            district_id=districts[0],
        )
        for e in rows:
            e.payment_batch = batch
            _save(e, by, f"导出拨付文件（{batch.number}）")
    return batch, _payment_workbook(batch, rows, to_yuan)


def payment_batch_workbook(batch: PaymentBatch) -> bytes:
    """The batch's file again, as it was exported (for a second download; nothing changes)."""
    rows = list(batch.entitlements.select_related("enterprise", "item").order_by("pk"))
    return _payment_workbook(batch, rows, to_yuan)


def _payment_workbook(
    batch: PaymentBatch, rows: Sequence[Entitlement], yuan: Callable[[int | None], Any]
) -> bytes:
    """The finance bureau's file in the house style: payee fields are written as text whatever they
    hold, so a bank name typed as "=HYPERLINK(…)" on the 企业码 page stays text, never a formula."""
    caption = f"政策兑现拨付清单 批次 {batch.number}，共 {batch.count} 笔，合计 {format_fen(batch.total_fen)}"
    lines = (
        [
            number,
            e.pk,
            e.enterprise.name,
            e.enterprise.uscc,
            e.item.title,
            yuan(e.amount_fen),
            (e.payee or {}).get("account_name") or e.enterprise.name,
            (e.payee or {}).get("bank", ""),
            (e.payee or {}).get("account_no", ""),
            None,
            None,
        ]
        for number, e in enumerate(rows, start=1)
    )
    sheet = Sheet(
        title="拨付清单",
        headers=PAYMENT_HEADERS,
        rows=lines,
        caption=caption,
        widths=(6, 10, 36, 22, 36, 14, 36, 24, 26, 20, 14),
        formats={5: "0.00", 8: "@", 9: "@", 10: "yyyy-mm-dd"},
    )
    return write_workbook([sheet])


@dataclass
class PaymentImportResult:
    batch: PaymentBatch
    paid: int = 0
    total_fen: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _read_payment_rows(data: bytes, filename: str) -> tuple[dict[str, int], list[tuple[int, list[Any]]]]:
    """The header's column positions and the data rows of a returned payment file."""
    suffix = Path(filename).suffix.lower()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"payment{suffix}"
        path.write_bytes(data)
        try:
            tables = read_tables(path, filename)
            table = tables[0]
            rows = list(table.rows)
        except ImportRefused as exc:
            raise EntitlementRefused(exc.message) from None
    wanted = {normalise_header(h): h for h in PAYMENT_HEADERS}
    for position, (_, cells) in enumerate(rows[:10]):
        names = [normalise_header(c) for c in cells]
        if normalise_header("兑现编号") in names:
            columns = {wanted[n]: i for i, n in enumerate(names) if n in wanted}
            missing = [h for h in ("兑现编号", "金额（元）", "支付凭证号", "支付日期") if h not in columns]
            if missing:
                raise EntitlementRefused(f"文件“{filename}”缺少列：{'、'.join(missing)}")
            return columns, rows[position + 1 :]
    raise EntitlementRefused(
        f"文件“{filename}”中找不到表头（应含“兑现编号”“金额（元）”“支付凭证号”“支付日期”列）"
    )


def _voucher_texts(rows: list[tuple[int, list[Any]]], index: int | None) -> set[str]:
    """Every voucher number written in the file (to look them all up at once)."""
    texts = set()
    for _, cells in rows:
        try:
            texts.add(cell_text(cells[index]) if index is not None and index < len(cells) else "")
        except CellProblem:
            continue
    return texts - {""}


def import_payment_file(batch: PaymentBatch, data: bytes, filename: str, *, by: User) -> PaymentImportResult:
    """Read the finance bureau's returned payment file: every row must name an entitlement of this
    batch, with exactly its amount, a voucher number used once and a valid date. Any error: nothing is
    recorded and `errors` lists them ("第N行 “列”列：…"). Otherwise every row is recorded paid."""
    _require_manage(by)
    if not in_reach(batch, by, "change"):
        raise EntitlementRefused(f"拨付批次 {batch.number} 不在您的管辖范围内")
    result = PaymentImportResult(batch)
    try:
        columns, rows = _read_payment_rows(data, filename)
    except EntitlementRefused as exc:
        result.errors.append(exc.message)
        return result
    day = clock.today()
    members = {
        e.pk: e
        for e in Entitlement.objects.select_related("enterprise", "item", "notice").filter(
            payment_batch=batch
        )
    }
    objections = _OpenObjections.of(members.values())
    used = dict(
        Entitlement.objects.filter(voucher_no__in=_voucher_texts(rows, columns.get("支付凭证号")))
        .exclude(voucher_no="")
        .values_list("voucher_no", "pk")
    )
    seen_ids: dict[int, int] = {}
    seen_vouchers: dict[str, int] = {}
    plan: list[tuple[Entitlement, str, dt.date, int]] = []
    errors = result.errors

    def cell(cells: list[Any], header: str) -> Any:
        index = columns.get(header)
        return cells[index] if index is not None and index < len(cells) else None

    for number, cells in rows:
        if all(is_blank(c) for c in cells):
            continue
        where = f"第{number}行"
        raw_id = cell(cells, "兑现编号")
        try:
            text = cell_text(raw_id)
        except CellProblem as exc:
            errors.append(f"{where} “兑现编号”列：{exc}")
            continue
        if not text.isdigit():
            errors.append(f"{where} “兑现编号”列：“{text}”不是本系统的兑现编号")
            continue
        e = members.get(int(text))
        if e is None:
            errors.append(f"{where} “兑现编号”列：编号 {text} 不属于拨付批次 {batch.number}")
            continue
        if e.pk in seen_ids:
            errors.append(f"{where} “兑现编号”列：编号 {text} 与第{seen_ids[e.pk]}行重复")
            continue
        seen_ids[e.pk] = number
        row_ok = True
        try:
            amount = parse_money_fen(cell(cells, "金额（元）"), "金额", "yuan")
            if amount is None:
                raise CellProblem("金额不能为空")
            if amount != e.amount_fen:
                raise CellProblem(
                    f"金额 {format_fen(amount)} 与核定金额 {format_fen(e.amount_fen, AMOUNT_PENDING)} 不一致"
                    f"（{e.enterprise.name}）"
                )
        except CellProblem as exc:
            errors.append(f"{where} “金额（元）”列：{exc}")
            row_ok = False
        try:
            voucher = cell_text(cell(cells, "支付凭证号"))
            if not voucher:
                raise CellProblem("支付凭证号不能为空")
            if len(voucher) > 50:
                raise CellProblem("支付凭证号不超过 50 个字符")
            if voucher in seen_vouchers:
                raise CellProblem(f"凭证号 {voucher} 与第{seen_vouchers[voucher]}行重复")
            seen_vouchers[voucher] = number
            holder = used.get(voucher)
            if holder is not None and holder != e.pk:
                raise CellProblem(f"凭证号 {voucher} 已用于另一笔兑付（编号 {holder}）")
        except CellProblem as exc:
            errors.append(f"{where} “支付凭证号”列：{exc}")
            row_ok = False
        try:
            paid_on = parse_date(cell(cells, "支付日期"), "支付日期")
            if paid_on > day:
                raise CellProblem(f"支付日期 {paid_on:%Y-%m-%d} 晚于今天")
            if e.notice is not None and paid_on <= e.notice.ends_on:
                raise CellProblem(
                    f"支付日期 {paid_on:%Y-%m-%d} 应在公示期满（{e.notice.ends_on:%Y-%m-%d}）之后"
                )
        except CellProblem as exc:
            errors.append(f"{where} “支付日期”列：{exc}")
            row_ok = False
        problem = _payable_problem(e, day, objections)
        if problem:
            errors.append(f"{where} “兑现编号”列：{e.enterprise.name}（{e.item.title}）{problem}")
            row_ok = False
        if row_ok:
            plan.append((e, voucher, paid_on, amount))  # type: ignore[arg-type]
    if not seen_ids and not errors:
        errors.append(f"文件“{filename}”中没有数据行")
    if errors:
        return result
    try:
        with transaction.atomic():
            batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
            for e, voucher, paid_on, amount in plan:
                locked = _locked(e)
                problem = _payable_problem(locked, day)
                if problem:
                    raise EntitlementRefused(f"第{seen_ids[e.pk]}行 “兑现编号”列：{problem}")
                _pay(locked, by, voucher, paid_on, amount)
                result.paid += 1
                result.total_fen += amount
            unpaid = batch.entitlements.exclude(state=State.PAID.value).exists()
            if not unpaid:
                batch.state, batch.settled_at = "settled", timezone.now()
                batch.save(update_fields=["state", "settled_at"])
    except EntitlementRefused as exc:
        result.paid, result.total_fen = 0, 0
        errors.append(exc.message)
    result.batch = batch
    return result


def archive_entitlement(e: Entitlement, *, by: User) -> Entitlement:
    """Close a paid, rejected or withdrawn entitlement."""
    _require_manage(by)
    with transaction.atomic():
        e = _locked(e)
        _require_in(visible_entitlements(by), e, "归档")
        e.state = _next(e, Action.ARCHIVE).value
        e.archived_at = timezone.now()
        e.due_on = None
        return _save(e, by, Action.ARCHIVE.label)
