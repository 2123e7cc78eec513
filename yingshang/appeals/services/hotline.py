"""12345 hotline imports: upload → column mapping → preview → confirm, the writing side of the
hotline engine (appeals.hotline).

A batch keeps the uploaded file until it is imported, so the 营商办 can correct the mapping without
uploading again. Confirming re-reads and re-checks the file, then imports every row not imported before
in one transaction, through services.submit_appeal (channel 12345热线, received at the hotline's
受理时间 so that its deadlines count from then; rate limits do not apply to the hotline). A row that
fails refuses the whole file: nothing is half-imported. Work orders already imported (by
Appeal.hotline_number, unique) are skipped and counted, so importing the same export twice is harmless.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from yingshang.appeals import hotline, services
from yingshang.appeals.models import Appeal, HotlineBatch
from yingshang.appeals.services import AppealRefused
from yingshang.core import clock
from yingshang.core.masking import mask_name, mask_phone
from yingshang.core.scope import scope_of, scoped
from yingshang.core.spreadsheets import (
    HEADER_SEARCH_ROWS,
    ImportRefused,
    Problem,
    Table,
    is_blank,
    normalise_header,
    read_tables,
)
from yingshang.registry.models import District, Enterprise, User

# The problem list kept on a batch (and shown): enough to correct a file, not a second copy of it.
PROBLEMS_KEPT = 500
SAMPLE_ROWS = 20
NOTICES_KEPT = 50


# ==================================================================================================
# Who may import into which districts
# ==================================================================================================


def allowed_districts(user: User) -> list[District]:
    """The districts an office may import hotline appeals into: its own; the city's office: all."""
    if not user.can("appeals.dispatch"):
        return []
    scope = scope_of(user)
    if not scope.is_staff:
        return []
    if scope.district_id is None:
        return list(District.objects.order_by("code"))  # the city's office
    return list(District.objects.filter(pk=scope.district_id))


def visible_batches(user: User) -> Any:
    return scoped(HotlineBatch.objects.all(), user).select_related("uploaded_by", "default_district")


# ==================================================================================================
# Reading the file
# ==================================================================================================


def _guess_words() -> set[str]:
    return {normalise_header(g) for spec in hotline.FIELDS for g in spec.guesses}


def _open(path: Path, file_name: str, sheet: str | None = None) -> Table:
    tables = read_tables(path, file_name)
    if sheet is not None:
        for table in tables:
            if table.name == sheet:
                return table
        raise ImportRefused(f"“{file_name}”中没有工作表“{sheet}”，请重新上传")
    if not tables:
        raise ImportRefused(f"“{file_name}”中没有工作表")
    return tables[0]


@dataclass
class HeaderRow:
    sheet: str
    row: int
    headers: list[str]


def find_header(path: Path, file_name: str) -> HeaderRow:
    """The header row: the first of the first rows naming a header the engine knows (工单编号, 来电时间
    …); a file whose headers are all unusual names gets its first non-blank row."""
    table = _open(path, file_name)
    words = _guess_words()
    first: tuple[int, list[Any]] | None = None
    for seen, (number, cells) in enumerate(table.rows, start=1):
        if first is None and not all(is_blank(c) for c in cells):
            first = (number, cells)
        if any(normalise_header(c) in words for c in cells if isinstance(c, str)):
            return HeaderRow(table.name, number, hotline.header_texts(cells))
        if seen >= HEADER_SEARCH_ROWS:
            break
    if first is None:
        raise ImportRefused(f"“{file_name}”是空的：没有表头，也没有数据行")
    return HeaderRow(table.name, first[0], hotline.header_texts(first[1]))


def _data_rows(batch: HotlineBatch) -> Iterator[tuple[int, list[Any]]]:
    table = _open(Path(batch.stored_path), batch.file_name, batch.sheet)
    for number, cells in table.rows:
        if number > batch.header_row:
            yield number, cells


# ==================================================================================================
# Upload, mapping, preview
# ==================================================================================================


def start_batch(path: Path, *, file_name: str, user: User) -> HotlineBatch:
    """A stored upload becomes a batch waiting for its columns to be mapped (guessed from its headers).
    ImportRefused: the file cannot be used at all (type, size, empty)."""
    districts = allowed_districts(user)
    if not districts:
        raise AppealRefused("只有营商办可以导入热线工单")
    header = find_header(path, file_name)
    if not any(header.headers):
        raise ImportRefused(f"“{file_name}”第 {header.row} 行没有列名，无法对应字段")
    scope = scope_of(user)
    return HotlineBatch.objects.create(
        file_name=file_name[:255],
        stored_path=str(path),
        sheet=header.sheet[:100],
        header_row=header.row,
        headers=header.headers,
        mapping=hotline.guess_mapping(header.headers),
        default_district=districts[0] if len(districts) == 1 else None,
        uploaded_by=user,
        district_id=scope.district_id,
        created_at=clock.now(),
    )


def _rules(batch: HotlineBatch) -> hotline.Rules:
    known: dict[str, int] = {}
    names: dict[int, str] = {}
    for pk, code, name in District.objects.values_list("pk", "code", "name"):
        known[code] = known[name] = pk
        names[pk] = name
    return hotline.Rules(
        now=clock.now(),
        tz=clock.SHANGHAI,
        districts=known,
        district_names=names,
        allowed_districts=None if batch.district_id is None else {batch.district_id},
        default_district=batch.default_district_id,
        default_kind=batch.default_kind,
    )


@dataclass
class Plan:
    checked: hotline.Checked
    new: list[hotline.HotlineRow]
    skipped: list[hotline.HotlineRow]
    enterprises: dict[str, int]  # USCC → enterprise id, of those this office may see
    notices: list[str]


def plan(batch: HotlineBatch, user: User) -> Plan:
    """The file read through the batch's mapping and checked; which work orders are new."""
    checked = hotline.check_rows(
        _data_rows(batch), batch.headers, batch.mapping, _rules(batch), sheet=batch.sheet
    )
    numbers = [row.work_order for row in checked.rows]
    imported: set[str] = set()
    for start in range(0, len(numbers), 1000):
        chunk = Appeal.objects.filter(hotline_number__in=numbers[start : start + 1000])
        imported.update(number for number in chunk.values_list("hotline_number", flat=True) if number)
    new = [row for row in checked.rows if row.work_order not in imported]
    usccs = sorted({row.uscc for row in new if row.uscc})
    enterprises: dict[str, int] = {}
    for start in range(0, len(usccs), 1000):
        enterprises.update(
            user.visible_enterprises().filter(uscc__in=usccs[start : start + 1000]).values_list("uscc", "pk")
        )
    notices = [
        f"第 {row.row} 行：名录中（您的辖区内）没有统一社会信用代码为 {row.uscc} 的企业，导入后不关联企业"
        for row in new
        if row.uscc and row.uscc not in enterprises
    ]
    skipped = [row for row in checked.rows if row.work_order in imported]
    return Plan(checked, new, skipped, enterprises, notices)


def _sample(row: hotline.HotlineRow, district_names: dict[int, str]) -> dict[str, Any]:
    # Masked: the preview is a check of the columns, not a place to read contacts.
    return {
        "row": row.row,
        "work_order": row.work_order,
        "received": clock.local(row.received_at).strftime("%Y-%m-%d %H:%M"),
        "kind": hotline.Kind(row.kind).label,
        "title": row.title or row.text[:30],
        "name": mask_name(row.name) if row.name else "",
        "phone": mask_phone(row.phone),
        "district": district_names.get(row.district_id, ""),
    }


def _record_problems(batch: HotlineBatch, problems: list[Problem]) -> None:
    batch.problems = [p.as_dict() for p in problems[:PROBLEMS_KEPT]]
    batch.report = {**(batch.report or {}), "problem_count": len(problems)}


def map_columns(
    batch: HotlineBatch,
    *,
    user: User,
    mapping: dict[str, int],
    default_district: District | None,
    default_kind: str,
) -> HotlineBatch:
    """Save the mapping the office chose and check the whole file through it: the batch becomes
    待确认 (nothing wrong) or 有错误未导入 with every problem by row and column."""
    if batch.state == "applied":
        raise AppealRefused("该批次已导入，不能再修改列对应")
    if default_district is not None and default_district not in allowed_districts(user):
        raise AppealRefused(f"{default_district.name}不在您的辖区内")
    if default_kind not in {k.value for k in hotline.Kind}:
        raise AppealRefused("请选择默认诉求类型")
    batch.mapping = {k: v for k, v in mapping.items() if k in hotline.FIELD_BY_KEY}
    batch.default_district = default_district
    batch.default_kind = default_kind
    mapping_problems = hotline.check_mapping(
        batch.mapping, len(batch.headers), default_district=default_district is not None
    )
    if mapping_problems:
        raise AppealRefused("；".join(mapping_problems))
    found = plan(batch, user)
    names = dict(District.objects.values_list("pk", "name"))
    batch.total_rows = found.checked.total_rows
    batch.new_count, batch.skipped_count = len(found.new), len(found.skipped)
    batch.report = {
        "sample": [_sample(row, names) for row in found.checked.rows[:SAMPLE_ROWS]],
        "notices": found.notices[:NOTICES_KEPT],
        "notice_count": len(found.notices),
        "bad_rows": found.checked.bad_rows,
    }
    _record_problems(batch, found.checked.problems)
    batch.state = "rejected" if found.checked.problems else "previewed"
    batch.save()
    return batch


# ==================================================================================================
# Confirm: all or nothing
# ==================================================================================================


@dataclass
class Imported:
    created: int
    skipped: int


def apply_batch(batch: HotlineBatch, *, user: User) -> Imported:
    """Import every new work order of a previewed batch in one transaction; those imported before are
    skipped. The file is checked again first (another import may have run since the preview); any
    problem, or any row the intake refuses, leaves the whole file unimported."""
    if not allowed_districts(user):
        raise AppealRefused("只有营商办可以导入热线工单")
    if batch.state != "previewed":
        raise AppealRefused(f"该批次当前为“{batch.get_state_display()}”，不能导入")
    try:
        with transaction.atomic():
            locked = HotlineBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.state != "previewed":
                raise AppealRefused(f"该批次当前为“{locked.get_state_display()}”，不能导入")
            found = plan(locked, user)
            if found.checked.problems:
                raise _Rejected(found.checked.problems)
            districts = {d.pk: d for d in District.objects.all()}
            enterprises = {
                e.pk: e for e in Enterprise.objects.filter(pk__in=list(found.enterprises.values()))
            }
            for row in found.new:
                _submit(row, districts, enterprises, found.enterprises, user)
            locked.state = "applied"
            locked.created_count, locked.skipped_count = len(found.new), len(found.skipped)
            locked.applied_at = clock.now()
            locked.save()
    except _Rejected as rejected:
        batch.refresh_from_db()
        _record_problems(batch, rejected.problems)
        batch.state = "rejected"
        batch.save()
        raise AppealRefused(
            f"文件中有 {len(rejected.problems)} 个问题，整份文件没有导入；请按问题清单修改后重新上传"
        ) from None
    Path(batch.stored_path).unlink(missing_ok=True)  # imported: the file is no longer needed
    return Imported(created=len(found.new), skipped=len(found.skipped))


class _Rejected(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("rejected")
        self.problems = problems


def _submit(
    row: hotline.HotlineRow,
    districts: dict[int, District],
    enterprises: dict[int, Enterprise],
    by_uscc: dict[str, int],
    user: User,
) -> Appeal:
    data = services.NewAppeal(
        kind=row.kind,
        title=row.title,
        text=row.text,
        district=districts[row.district_id],
        requester_phone=row.phone,
        channel="hotline",
        requester_name=row.name,
        place=row.place,
        enterprise=enterprises.get(by_uscc.get(row.uscc, 0)) if row.uscc else None,
        created_by=user,
        hotline_number=row.work_order,
        received_at=row.received_at,
    )
    try:
        return services.submit_appeal(data)
    except AppealRefused as refused:
        raise AppealRefused(
            f"第 {row.row} 行（工单编号 {row.work_order}）未能导入：{refused.message}；"
            "整份文件没有导入任何工单"
        ) from None


def upload_folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "hotline"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
