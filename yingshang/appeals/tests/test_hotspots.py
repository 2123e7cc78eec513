"""The hotspot engine (appeals.hotspots): similar appeals clustered, ranked by count and growth, named
by their most typical appeal, with places and departments; deterministic; bad parameters refused."""

from __future__ import annotations

import pytest

from yingshang.appeals.hotspots import (
    Doc,
    Hotspot,
    HotspotError,
    find_hotspots,
    leader_clusters,
    normalise,
    vectorise,
)

NOISE = [
    "幸福小区夜间施工噪音扰民，影响休息",
    "幸福小区工地夜间施工噪音太大，无法休息",
    "幸福小区附近工地晚上施工噪音扰民",
]
QUEUE = [
    "政务服务中心办理营业执照排队时间太长",
    "政务服务中心营业执照窗口排队时间太长",
    "政务服务中心办理营业执照排队三个小时",
]
SUBSIDY = ["申请高新技术企业奖补资金迟迟未到账", "高新技术企业奖补资金一直没有到账"]
LONE = ["餐馆油烟扰民，请求处理", "路灯不亮，晚上出行不便"]


def docs(texts: list[str], *, first: int = 1, current: bool = True, **fields: str) -> list[Doc]:
    return [
        Doc(key=first + i, text=text, title=text, current=current, **fields) for i, text in enumerate(texts)
    ]


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("噪音扰民！！请处理。", "噪音扰民 请处理"),
        ("  ABC，Def  ", "abc def"),
        ("___", ""),
    ],
)
def test_it_compares_only_words_and_digits(raw: str, normalised: str) -> None:
    assert normalise(raw) == normalised


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (NOISE + LONE, [0, 0, 0, 1, 2]),
        (["发票无法开具", "发票无法开具", "发票无法开具"], [0, 0, 0]),
        (["发票无法开具", "路灯不亮晚上出行不便"], [0, 1]),
        (SUBSIDY + NOISE, [0, 0, 1, 1, 1]),
    ],
)
def test_similar_texts_share_a_cluster_and_others_lead_their_own(
    texts: list[str], expected: list[int]
) -> None:
    assert leader_clusters(vectorise(texts), 0.3) == expected


@pytest.mark.parametrize("texts", [[], ["", "  "], ["！！", "。。。"]])
def test_texts_without_a_word_have_nothing_to_compare(texts: list[str]) -> None:
    assert vectorise(texts) is None
    assert find_hotspots(docs(texts)) == []


def test_hotspots_are_ranked_by_count_and_named_by_their_most_typical_appeal() -> None:
    found = find_hotspots(docs(NOISE + QUEUE[:2] + SUBSIDY + LONE))
    assert [(spot.count, spot.keys) for spot in found] == [(3, (1, 2, 3)), (2, (4, 5)), (2, (6, 7))]
    assert found[0].title in NOISE
    assert all(spot.previous == 0 and spot.growth_text == "新出现" for spot in found)


@pytest.mark.parametrize(
    ("before", "now", "by", "order", "growth"),
    [
        # 噪音 grew 1 → 3, 排队 stayed 3 → 3: by count the tie goes to the one that grew.
        (NOISE[:1] + QUEUE, NOISE + QUEUE, "count", ["噪音", "排队"], ["+200%", "持平"]),
        # 排队 shrank 3 → 2 and 噪音 is new with 2: by growth 噪音 (+2) comes first.
        (QUEUE, NOISE[:2] + QUEUE[:2], "growth", ["噪音", "排队"], ["新出现", "-33%"]),
        (QUEUE, NOISE[:2] + QUEUE, "count", ["排队", "噪音"], ["持平", "新出现"]),
    ],
)
def test_growth_is_measured_against_the_previous_period(
    before: list[str], now: list[str], by: str, order: list[str], growth: list[str]
) -> None:
    previous = docs(before, first=1, current=False)
    current = docs(now, first=100)
    found = find_hotspots(previous + current, by=by)  # type: ignore[arg-type]
    names = ["噪音" if "噪音" in spot.title else "排队" for spot in found]
    assert names == order
    assert [spot.growth_text for spot in found] == growth


def test_a_cluster_only_in_the_previous_period_is_no_hotspot_now() -> None:
    assert find_hotspots(docs(NOISE, current=False) + docs(LONE, first=10)) == []


@pytest.mark.parametrize(
    ("min_count", "limit", "counts"), [(2, 20, [3, 3, 2]), (3, 20, [3, 3]), (1, 2, [3, 3])]
)
def test_min_count_and_limit_bound_the_list(min_count: int, limit: int, counts: list[int]) -> None:
    found = find_hotspots(docs(NOISE + QUEUE + SUBSIDY + LONE), min_count=min_count, limit=limit)
    assert [spot.count for spot in found] == counts


def test_places_and_departments_are_counted_most_first_and_places_cut_at_three() -> None:
    rows = [
        Doc(1, NOISE[0], NOISE[0], True, "幸福小区", "住建局"),
        Doc(2, NOISE[1], NOISE[1], True, "幸福小区", "生态环境局"),
        Doc(3, NOISE[2], NOISE[2], True, "", "住建局"),
        Doc(4, NOISE[0], NOISE[0], True, "丁", "住建局"),
        Doc(5, NOISE[1], NOISE[1], True, "丙", "住建局"),
        Doc(6, NOISE[2], NOISE[2], True, "乙", ""),
    ]
    (spot,) = find_hotspots(rows)
    assert spot.places == (("幸福小区", 2), ("丁", 1), ("丙", 1))
    assert spot.departments == (("住建局", 4), ("生态环境局", 1))


def test_the_result_does_not_depend_on_the_input_order() -> None:
    rows = docs(NOISE + QUEUE + SUBSIDY + LONE)
    assert find_hotspots(rows) == find_hotspots(list(reversed(rows)))


@pytest.mark.parametrize(
    ("spot", "growth", "text"),
    [
        (Hotspot("t", (1, 2, 3, 4), 2, (), ()), 1.0, "+100%"),
        (Hotspot("t", (1,), 4, (), ()), -0.75, "-75%"),
        (Hotspot("t", (1, 2), 2, (), ()), 0.0, "持平"),
        (Hotspot("t", (1, 2), 0, (), ()), None, "新出现"),
    ],
)
def test_growth_reads_as_a_percentage_of_the_previous_period(
    spot: Hotspot, growth: float | None, text: str
) -> None:
    assert spot.growth == growth and spot.growth_text == text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"threshold": 0}, "相似度阈值应在 0 到 1 之间"),
        ({"threshold": 1.5}, "相似度阈值应在 0 到 1 之间"),
        ({"min_count": 0}, "最少诉求数应至少为 1"),
        ({"by": "size"}, "热点排序方式只能是"),
    ],
)
def test_it_refuses_parameters_out_of_range_in_chinese(options: dict, message: str) -> None:
    with pytest.raises(HotspotError, match=message):
        find_hotspots(docs(NOISE), **options)


def test_it_refuses_two_documents_with_one_key() -> None:
    with pytest.raises(HotspotError, match="编号重复"):
        find_hotspots([Doc(1, "发票", "发票", True), Doc(1, "发票", "发票", True)])
