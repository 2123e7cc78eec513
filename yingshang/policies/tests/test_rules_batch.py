"""Batch matching (rules.batch): the snapshot schema, what is kept, verdicts, amounts, 不重复奖, packed
reason states and their decoding, and Chinese errors for snapshots the engine cannot read. Agreement
with the calculator on random profiles is in test_rules_batch_agreement.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pyarrow as pa
import pytest

from yingshang.policies.rules.batch import (
    BatchInputError,
    Reasons,
    arrow_mapper,
    evaluate_batch,
    evaluate_record_batch,
    profile_schema,
    profiles_to_table,
    result_schema,
    spark_schema,
    table_profiles,
    with_reasons,
)
from yingshang.policies.rules.calculator import calculate
from yingshang.policies.rules.fields import FieldType, field_registry
from yingshang.policies.rules.pack import load_pack
from yingshang.policies.rules.profile import ProfileError
from yingshang.policies.tests.conftest import DISTRICT_PACK, load_test_pack, q, science_pack_text

D = dt.date
AS_OF = D(2025, 6, 30)
ALL = ("eligible", "needs_confirmation", "not_eligible")

PACK = science_pack_text(
    "batch",
    "批量匹配测试",
    giant_amount="30万元",
    rd_rate="12.5%",
    staff_conditions=["裁员率 <= 5.5555555%"],
    more_items="""\
    - id: hires
      title: 吸纳就业补贴
      conditions:
        - not: [严重失信主体 = 是]
      amount: {per_unit: 新增就业人数, each: 1000元, max_units: 50}
    """,
)


@pytest.fixture(scope="module")
def pack():
    return load_test_pack(PACK, "batch.yaml")


def rows_of(table: pa.Table) -> dict[tuple[str, str], dict]:
    return {(row["uscc"], row["item_id"]): row for row in table.to_pylist()}


def one(pack, profile: dict, item_id: str, **kwargs) -> dict | None:
    table = evaluate_batch(profiles_to_table([{"uscc": "A", **profile}]), [pack], AS_OF, **kwargs)
    return rows_of(table).get(("A", item_id))


# --- the snapshot ---------------------------------------------------------------------------------


def test_the_snapshot_has_one_column_per_field_plus_the_confirmed_kinds() -> None:
    schema = profile_schema()
    assert schema.names == [*field_registry(), "qualification_kinds_confirmed"]
    assert schema.field("employees").type == pa.int64()
    assert schema.field("layoff_rate").type == pa.decimal128(18, 6)
    assert schema.field("registered_on").type == pa.date32()
    assert schema.field("serious_dishonesty").type == pa.bool_()
    assert schema.field("qualifications").type.value_type.names == [
        "kind",
        "level",
        "certified_on",
        "expires_on",
        "first_certified_on",
    ]


def test_a_table_is_built_from_the_dicts_the_calculator_takes_and_reads_back_the_same() -> None:
    profile = {
        "uscc": "91610302MA6X000001",
        "主体类型": "企业",
        "从业人数": 12,
        "年营业收入": "2000万元",
        "裁员率": "4.5%",
        "资质认定": [{"kind": "高企", "level": "国家", "certified_on": D(2024, 12, 1)}],
        "已确认资质类型": ["科技领军企业"],
    }
    table = profiles_to_table([profile, {"uscc": "X"}])
    assert table.schema == profile_schema()
    first, second = table_profiles(table)
    assert first["entity_type"] == "enterprise"
    assert first["annual_revenue_fen"] == 2_000_000_000
    assert first["layoff_rate"] == Decimal("4.5")
    assert first["qualifications"][0]["kind"] == "hnte"
    assert first["qualification_kinds_confirmed"] == ["tech_leader"]
    assert second == {"uscc": "X", "qualification_kinds_confirmed": []}  # no list at all: unknown


@pytest.mark.parametrize(
    ("profile", "error", "message"),
    [
        ({"员工数": 3}, ProfileError, "字段“员工数”不存在"),
        ({"从业人数": -1}, ProfileError, "不能为负数"),
        ({"裁员率": "1.0000001%"}, BatchInputError, "第 1 家企业：“裁员率”最多保留 6 位小数"),
    ],
)
def test_bad_profiles_are_refused_in_chinese(profile: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        profiles_to_table([profile])


def test_a_snapshot_without_a_column_an_item_reads_is_refused(pack) -> None:
    table = profiles_to_table([{"uscc": "A"}]).drop_columns(["employees"])
    with pytest.raises(BatchInputError, match="缺少列：employees（从业人数）"):
        evaluate_batch(table, [pack], AS_OF)


def test_an_unknown_enum_code_is_refused_with_the_column_and_the_choices(pack) -> None:
    table = profiles_to_table([{"uscc": "A"}])
    table = table.set_column(table.schema.get_field_index("scale"), "scale", pa.array(["tiny"], pa.string()))
    with pytest.raises(BatchInputError, match="scale（企业规模）中有无法识别的代码：tiny"):
        evaluate_batch(table, [pack], AS_OF)


def test_a_column_of_the_wrong_type_is_refused(pack) -> None:
    table = profiles_to_table([{"uscc": "A"}])
    index = table.schema.get_field_index("employees")
    table = table.set_column(index, "employees", pa.array(["十"], pa.string()))
    with pytest.raises(BatchInputError, match="列类型不符合"):
        evaluate_batch(table, [pack], AS_OF)


def test_compatible_column_types_are_accepted(pack) -> None:
    table = profiles_to_table(
        [{"uscc": "A", "主体类型": "企业", "从业人数": 12, "企业规模": "小型", "裁员率": 1}]
    )
    index = table.schema.get_field_index("employees")
    table = table.set_column(index, "employees", pa.array([12], pa.int32()))
    frame = pl.from_arrow(table)
    assert one_row(evaluate_batch(frame, [pack], AS_OF), "staff")["verdict"] == "eligible"


def one_row(table: pa.Table, item_id: str) -> dict:
    return next(row for row in table.to_pylist() if row["item_id"] == item_id)


# --- verdicts and amounts -------------------------------------------------------------------------

STAFF = {"主体类型": "企业", "从业人数": 10, "企业规模": "小型", "裁员率": "5.555555%"}


@pytest.mark.parametrize(
    ("changes", "verdict"),
    [
        ({}, "eligible"),
        ({"从业人数": 9}, "not_eligible"),
        ({"从业人数": None}, "needs_confirmation"),
        ({"企业规模": "中型"}, "not_eligible"),
        ({"主体类型": "个体工商户"}, "not_eligible"),
        ({"主体类型": None}, "needs_confirmation"),
        ({"从业人数": None, "企业规模": "大型"}, "not_eligible"),  # FAIL beats UNKNOWN in an AND
        # 5.5555555% in the rule: the six-decimal column holds 5.555555 (passes) or 5.555556 (fails).
        ({"裁员率": "5.555556%"}, "not_eligible"),
    ],
)
def test_the_verdict_follows_three_valued_logic(pack, changes: dict, verdict: str) -> None:
    profile = {k: v for k, v in {**STAFF, **changes}.items() if v is not None}
    row = one(pack, profile, "staff", keep=ALL)
    assert row is not None
    assert row["verdict"] == verdict
    expected = calculate(pack, profile, AS_OF).result("staff").verdict.value
    assert row["verdict"] == expected


@pytest.mark.parametrize(
    ("profile", "amount", "verdict"),
    [
        ({"研发费用": "300万元"}, 37_500_000, "eligible"),
        ({"研发费用": "800万元"}, 50_000_000, "eligible"),  # capped
        ({"研发费用": 1_000_000_07}, 12_500_000, "eligible"),  # 12.5% of 100万元 and 7 fen: rounded down
        ({"新增就业人数": 80}, 5_000_000, "needs_confirmation"),  # 严重失信主体 unknown; at most 50
        ({"新增就业人数": 3, "严重失信主体": "否"}, 300_000, "eligible"),
        ({"新增就业人数": 0, "严重失信主体": "否"}, 0, "not_eligible"),  # zero pays nothing
        ({"严重失信主体": "否"}, None, "needs_confirmation"),  # amount input unknown
    ],
)
def test_amounts_are_integer_fen_as_the_calculator_computes_them(
    pack, profile: dict, amount: int | None, verdict: str
) -> None:
    item_id = "rd" if "研发费用" in profile else "hires"
    row = one(pack, profile, item_id, keep=ALL)
    assert row is not None
    assert (row["amount_fen"], row["verdict"]) == (amount, verdict)
    result = calculate(pack, profile, AS_OF).result(item_id)
    assert (row["amount_fen"], row["verdict"]) == (result.amount_fen, result.verdict.value)


def test_only_eligible_and_needs_confirmation_pairs_are_kept_by_default(pack) -> None:
    table = evaluate_batch(profiles_to_table([{"uscc": "A", **STAFF, "从业人数": 3}]), [pack], AS_OF)
    kept = {(row["item_id"], row["verdict"]) for row in table.to_pylist()}
    assert ("staff", "not_eligible") not in {(i, v) for i, v in kept}
    assert {v for _, v in kept} <= {"eligible", "needs_confirmation"}
    assert "later" not in {i for i, _ in kept}  # not current on the day


def test_keep_selects_the_verdicts_and_refuses_unknown_words(pack) -> None:
    table = profiles_to_table([{"uscc": "A", **STAFF}])
    eligible = evaluate_batch(table, [pack], AS_OF, keep=["eligible"])
    assert {row["verdict"] for row in eligible.to_pylist()} == {"eligible"}
    everything = evaluate_batch(table, [pack], AS_OF, keep=ALL)
    assert everything.num_rows == 6  # every current item
    with pytest.raises(ValueError, match="keep 中的“maybe”不是结论"):
        evaluate_batch(table, [pack], AS_OF, keep=["maybe"])


def test_the_mode_is_free_of_application_only_when_everything_is_machine_checkable(pack) -> None:
    table = evaluate_batch(profiles_to_table([{"uscc": "A"}]), [pack], AS_OF, keep=ALL)
    modes = {row["item_id"]: row["mode"] for row in table.to_pylist()}
    assert modes["hnte"] == "免申即享"
    assert modes["leader"] == "快申快享"  # 科技领军企业 is not a tracked roll
    assert modes["rd"] == "快申快享"  # 研发费用 is not held by the registry


# --- 不重复奖，以最高标准为准 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("records", "payable"),
    [
        ([q("hnte", "national")], {"hnte": 30_000_000}),
        ([q("hnte", "national"), q("little_giant", "national")], {"giant": 30_000_000, "hnte": 0}),  # tie
        (
            [q("hnte", "national"), q("tech_leader", "national")],
            {"leader": 100_000_000, "hnte": 0},
        ),
        ([q("hnte", "national"), q("tech_leader", "municipal")], {"leader": 0, "hnte": 30_000_000}),
        ([q("hnte", "national"), q("tech_leader", None)], {"leader": 0, "hnte": 30_000_000}),  # level unknown
    ],
)
def test_exclusive_items_pay_only_the_highest_and_the_first_on_a_tie(
    pack, records: list, payable: dict
) -> None:
    profile = {"uscc": "A", "qualifications": records, "已确认资质类型": ["科技领军企业"]}
    rows = rows_of(evaluate_batch(profiles_to_table([profile]), [pack], AS_OF, keep=ALL))
    assert {item: rows[("A", item)]["payable_fen"] for item in payable} == payable
    calc = calculate(pack, profile, AS_OF)
    assert {item: calc.result(item).payable_fen for item in payable} == payable


def test_groups_are_per_pack(pack) -> None:
    other, errors = load_pack(
        PACK.replace("id: batch\n", "id: other\n").replace("- id: ", "- id: x_"), "o.yaml"
    )
    assert errors == []
    profile = {"uscc": "A", "qualifications": [q("hnte", "national")]}
    table = evaluate_batch(profiles_to_table([profile]), [pack, other], AS_OF)
    paid = {row["item_id"]: row["payable_fen"] for row in table.to_pylist()}
    assert paid["hnte"] == paid["x_hnte"] == 30_000_000


# --- result shape and reasons ---------------------------------------------------------------------


def test_the_result_has_the_documented_columns_and_uscc_indices_are_snapshot_rows(pack) -> None:
    profiles = [{"uscc": f"U{i}", **STAFF, "从业人数": 10 + i} for i in range(5)]
    table = evaluate_batch(profiles_to_table(profiles), [pack], AS_OF)
    assert table.schema == result_schema()
    staff = [row for row in table.to_pylist() if row["item_id"] == "staff"]
    assert [row["uscc"] for row in staff] == [f"U{i}" for i in range(5)]
    indices = table.column("uscc").chunk(0).indices.to_pylist()
    usccs = table.column("uscc").to_pylist()
    assert all(usccs[k] == f"U{i}" for k, i in enumerate(indices))


def test_an_empty_snapshot_gives_an_empty_result(pack) -> None:
    empty = profile_schema().empty_table()
    assert evaluate_batch(empty, [pack], AS_OF).num_rows == 0
    assert evaluate_batch(empty, [pack], AS_OF, reasons="lists").schema == result_schema("lists")


def test_packed_leaf_states_decode_to_the_calculators_codes_and_what_to_confirm(pack) -> None:
    profile = {"uscc": "A", "主体类型": "企业", "从业人数": 12, "企业规模": "小型"}
    table = evaluate_batch(profiles_to_table([profile]), [pack], AS_OF, reasons="lists")
    row = one_row(table, "staff")
    result = calculate(pack, profile, AS_OF).result("staff")
    assert tuple(row["reason_codes"]) == result.codes
    assert row["reason_codes"] == [
        "entity_type.in.pass",
        "employees.ge.pass",
        "scale.in.pass",
        "layoff_rate.le.unknown",
    ]
    assert tuple(row["to_confirm"]) == result.to_confirm == ("裁员率不超过 5.5555555%",)
    decoder = Reasons([pack])
    assert decoder.reason_codes(row["item_version"], row["leaf_states"]) == row["reason_codes"]
    # two bits per outcome in reading order: fail 0, unknown 1, pass 2
    assert row["leaf_states"] == 2 + (2 << 2) + (2 << 4) + (1 << 6)


def test_a_negated_condition_reports_the_flipped_status_like_the_calculator(pack) -> None:
    profile = {"uscc": "A", "新增就业人数": 3, "严重失信主体": "是"}
    row = one(pack, profile, "hires", keep=ALL, reasons="lists")
    assert row["reason_codes"] == ["serious_dishonesty.eq.fail"]
    assert tuple(row["reason_codes"]) == calculate(pack, profile, AS_OF).result("hires").codes


def test_reasons_for_a_version_not_in_the_packs_are_refused(pack) -> None:
    table = evaluate_batch(profiles_to_table([{"uscc": "A", **STAFF}]), [pack], AS_OF)
    other, _ = load_pack(PACK.replace("2万元", "3万元"), "changed.yaml")
    with pytest.raises(BatchInputError, match="奖励项版本不在所给的政策包中"):
        with_reasons(table, [other])


# --- one record batch (Spark) ---------------------------------------------------------------------


def test_a_record_batch_gives_plain_strings_in_the_spark_schema(pack) -> None:
    batch = profiles_to_table([{"uscc": "A", **STAFF}, {"uscc": "B"}]).to_batches()[0]
    result = evaluate_record_batch(batch, [pack], AS_OF)
    assert isinstance(result, pa.RecordBatch)
    assert result.schema == result_schema(plain=True)
    local = evaluate_batch(batch, [pack], AS_OF)
    assert result.to_pylist() == local.to_pylist()
    names = [part.split(" ")[0] for part in spark_schema().split(", ")]
    assert names == result.schema.names


def test_the_mapper_evaluates_each_batch_and_splits_large_results(pack) -> None:
    table = profiles_to_table([{"uscc": f"U{i}", **STAFF} for i in range(30)])
    mapper = arrow_mapper([pack], AS_OF, max_rows=25)
    out = list(mapper(iter(table.to_batches(max_chunksize=10))))
    assert all(batch.num_rows <= 25 for batch in out)
    merged = pa.Table.from_batches(out).to_pylist()
    assert sorted(map(str, merged)) == sorted(map(str, evaluate_batch(table, [pack], AS_OF).to_pylist()))


def test_every_field_type_has_a_snapshot_type() -> None:
    schema = profile_schema()
    for f in field_registry().values():
        if f.type is not FieldType.QUALIFICATIONS:
            assert schema.field(f.key).type in (
                pa.int64(),
                pa.decimal128(18, 6),
                pa.date32(),
                pa.string(),
                pa.bool_(),
            )


def test_a_district_pack_keeps_no_pair_of_an_enterprise_registered_elsewhere() -> None:
    pack = load_test_pack(DISTRICT_PACK, "weibin.yaml")
    profiles = [
        {"uscc": "HOME", "entity_type": "enterprise", "employees": 50, "district": "渭滨区"},
        {"uscc": "AWAY", "entity_type": "enterprise", "employees": 50, "district": "金台区"},
    ]
    kept = rows_of(evaluate_batch(profiles_to_table(profiles), [pack], AS_OF, keep=ALL, reasons="lists"))
    assert kept[("HOME", "little_giant")]["verdict"] == "eligible"
    away = kept[("AWAY", "little_giant")]
    assert (away["verdict"], away["payable_fen"]) == ("not_eligible", 0)
    assert "district.in.fail" in away["reason_codes"]
    default = rows_of(evaluate_batch(profiles_to_table(profiles), [pack], AS_OF))
    assert set(default) == {("HOME", "little_giant")}
