"""数据缺口 engine (gaps.py): which missing datum keeps how many pairs and how much money 需确认."""

from __future__ import annotations

import pytest

from yingshang.entitlements.gaps import AMOUNT_GAP, gap_keys, ranked, tally_gaps

SOURCES = {"rd_expense_fen": "税务局", "tax_paid_fen": "税务局", "new_hires": "人社局", "qual.hnte": "科技局"}


def source_of(key: str) -> str:
    return SOURCES.get(key, "按事项而定")


@pytest.mark.parametrize(
    ("codes", "keys"),
    [
        ([], []),
        (["employees.gte.pass", "rd_expense_fen.gte.unknown"], ["rd_expense_fen"]),
        (["qual.hnte.unknown", "new_hires.gt.unknown"], ["qual.hnte", "new_hires"]),
        (["rd_expense_fen.gte.unknown", "rd_expense_fen.lt.unknown"], ["rd_expense_fen"]),
        (["qual.hnte.fail", "district.in.pass"], []),
    ],
)
def test_it_reads_the_missing_data_from_the_reason_codes(codes: list[str], keys: list[str]) -> None:
    assert gap_keys(codes) == keys


def test_each_missing_datum_counts_its_enterprises_pairs_and_money() -> None:
    tally = tally_gaps(
        [
            (1, 100_00, ["rd_expense_fen.gte.unknown"]),
            (1, 50_00, ["rd_expense_fen.gte.unknown", "new_hires.gt.unknown"]),
            (2, 30_00, ["rd_expense_fen.gte.unknown"]),
            (3, None, ["qual.hnte.unknown"]),
        ],
        source_of,
    )
    rd = tally.by_key["rd_expense_fen"]
    assert (rd.enterprise_count, rd.pairs, rd.possible_fen) == (2, 3, 180_00)
    assert (rd.alone_pairs, rd.alone_fen) == (2, 130_00)  # the pair also lacking new hires is not alone
    hnte = tally.by_key["qual.hnte"]
    assert (hnte.pairs, hnte.possible_fen, hnte.amount_pending, hnte.alone_pairs) == (1, 0, 1, 0)
    assert tally.by_key[AMOUNT_GAP].pairs == 1  # the amount itself waits on data
    assert (tally.pairs, tally.enterprises, tally.possible_fen) == (4, 3, 180_00)


def test_a_department_s_data_alone_decides_pairs_that_lack_only_its_fields() -> None:
    tally = tally_gaps(
        [
            (1, 100_00, ["rd_expense_fen.gte.unknown", "tax_paid_fen.gte.unknown"]),
            (2, 70_00, ["rd_expense_fen.gte.unknown", "new_hires.gt.unknown"]),
        ],
        source_of,
    )
    tax = tally.by_source["税务局"]
    assert (tax.pairs, tax.possible_fen, tax.alone_pairs, tax.alone_fen) == (2, 170_00, 1, 100_00)
    assert tally.by_source["人社局"].alone_pairs == 0


def test_the_datum_that_decides_most_money_alone_comes_first() -> None:
    tally = tally_gaps(
        [
            (1, 10_00, ["new_hires.gt.unknown"]),
            (2, 900_00, ["rd_expense_fen.gte.unknown", "new_hires.gt.unknown"]),
            (3, 500_00, ["rd_expense_fen.gte.unknown"]),
        ],
        source_of,
    )
    assert [gap.key for gap in ranked(tally.by_key.values())] == ["rd_expense_fen", "new_hires"]
