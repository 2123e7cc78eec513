from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from yingshang.registry import exporter, importer
from yingshang.registry.models import Enterprise, Qualification
from yingshang.registry.testing import make_enterprise, uscc

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("fen", "cell"),
    [
        (None, None),
        (0, 0),
        (5_000_000, 5),
        (5_500_000, 5.5),
        (1, 1e-06),
        (12_345, 0.012345),
        (123_456_789_012_345_678, "123456789012.345678"),  # more digits than a double holds: text
    ],
)
def test_fen_become_exact_wan_cells(fen, cell):
    assert exporter.fen_to_wan(fen) == cell


def export_to(tmp_path, enterprises, name="导出.xlsx"):
    path = tmp_path / name
    count = exporter.write_registry(enterprises, path)
    return path, count


def test_the_export_writes_the_import_headers_labels_dates_and_qualifications(tmp_path, world):
    path, count = export_to(tmp_path, Enterprise.objects.all())
    assert count == 2
    book = openpyxl.load_workbook(path)
    sheet = book["企业名录"]
    headers = [c.value for c in sheet[1]]
    assert headers == exporter.ENTERPRISE_HEADERS
    acme = dict(zip(headers, (c.value for c in sheet[2]), strict=True))
    assert acme["统一社会信用代码"] == world.acme.uscc
    assert (acme["主体类型"], acme["登记状态"], acme["街道"]) == ("企业", "存续", "经二路街道")
    assert acme["成立日期"] == dt.datetime(2018, 5, 1)
    assert acme["年营业收入（万元）"] == 8000 and acme["注册资本（万元）"] is None
    assert acme["企业规模"] == "小型"
    quals = list(book["资质"].iter_rows(min_row=2, values_only=True))
    assert quals == [
        (
            world.acme.uscc,
            world.acme.name,
            "高新技术企业",
            "国家",
            dt.datetime(2024, 11, 1),
            dt.datetime(2027, 10, 31),
        )
    ]


def test_an_exported_file_imports_back_with_no_change(tmp_path, world):
    make_enterprise(
        uscc(77),
        "宝鸡市零头金额有限公司",
        world.weibin,
        registered_capital_fen=123_456_789_012_345_678,
        annual_revenue_fen=1,
        total_assets_fen=5_500_001,
        tax_paid_fen=None,
        employees=None,
        credit_class="",
        entity_type="cooperative",
        status="revoked",
        industry_id="01",
    )
    before = list(Enterprise.objects.order_by("uscc").values())
    path, count = export_to(tmp_path, Enterprise.objects.all())
    assert count == 3
    batch, plan = importer.preview_batch(
        path, file_name=path.name, as_of=dt.date(2026, 6, 30), source="回环测试", user=world.admin
    )
    assert plan.ok, plan.problems
    assert plan.notices == []
    assert plan.counts == {"create": 0, "update": 0, "unchanged": 3, "qualification_unchanged": 1}
    result = importer.apply_batch(batch, user=world.admin)
    assert (result.created, result.updated, result.qualifications_updated) == (0, 0, 0)
    after = list(Enterprise.objects.order_by("uscc").values())
    ignore = {"provenance", "updated_at"}
    assert [{k: v for k, v in r.items() if k not in ignore} for r in after] == [
        {k: v for k, v in r.items() if k not in ignore} for r in before
    ]
    assert Qualification.objects.get().source.startswith("企业名录导入：导出.xlsx")


def test_the_export_holds_only_the_given_enterprises_and_their_qualifications(tmp_path, world):
    path, count = export_to(tmp_path, Enterprise.objects.filter(district=world.jintai))
    book = openpyxl.load_workbook(path, read_only=True)
    assert count == 1
    assert [r[0] for r in book["企业名录"].iter_rows(min_row=2, values_only=True)] == [world.bolt.uscc]
    assert list(book["资质"].iter_rows(min_row=2, values_only=True)) == []


def test_the_template_imports_only_after_its_example_is_replaced(tmp_path, world):
    path = tmp_path / "模板.xlsx"
    exporter.write_template(path)
    _, plan = importer.preview_batch(
        path, file_name=path.name, as_of=dt.date(2026, 6, 30), source="模板", user=world.admin
    )
    assert [(p.row, p.column) for p in plan.problems] == [(2, "统一社会信用代码")]
    assert any("填写说明" in n for n in plan.notices)


@pytest.mark.parametrize("name", ["=1+1", '=HYPERLINK("http://x","点我")', "+86 公司", "-某某公司", "@某某"])
def test_a_name_that_looks_like_a_formula_is_exported_as_text_and_imports_back(tmp_path, world, name):
    make_enterprise(uscc(5), name, world.weibin)
    path, _ = export_to(tmp_path, Enterprise.objects.filter(uscc=uscc(5)))
    cell = openpyxl.load_workbook(path)["企业名录"]["B2"]
    assert (cell.value, cell.data_type) == (name, "s")
    _, plan = importer.preview_batch(
        path, file_name=path.name, as_of=dt.date(2026, 6, 30), source="回环测试", user=world.admin
    )
    assert plan.ok and plan.counts["unchanged"] == 1


def test_the_export_has_a_bold_frozen_header_and_sized_columns(tmp_path, world):
    path, _ = export_to(tmp_path, Enterprise.objects.all())
    sheet = openpyxl.load_workbook(path)["企业名录"]
    assert sheet.freeze_panes == "A2" and all(c.font.b for c in sheet[1])
    assert sheet.column_dimensions["A"].width >= 18  # an 18-character code fits
    assert sheet["A2"].number_format == sheet["D2"].number_format == "@"  # codes stay text when edited
