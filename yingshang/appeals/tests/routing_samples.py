"""Small labelled appeals of our own for the routing tests: three categories, each sentence built from
a place, a category's matter and a request, so every category has its own words and a few shared
ones. Written for these tests, copied from no data set.

`segmented(text)` imitates pre-segmented training data (tokens split by spaces, punctuation gone), as
in a 分词 export; the tests train on it and route the raw sentences."""

from __future__ import annotations

import itertools
import re

PLACES = ["渭滨区经二路", "金台区东风路", "高新区科技大道", "陈仓区虢镇", "宝鸡南站附近"]
MATTERS = {
    "交通运输": [
        "公交车经常不按站停靠，等车太久",
        "红绿灯时间太短，行人过马路很危险",
        "出租车司机拒载还乱收费",
        "道路坑洼不平，车辆通行困难",
    ],
    "教育文体": [
        "学校食堂饭菜价格太贵，学生吃不饱",
        "幼儿园老师体罚孩子，家长很担心",
        "体育馆长期不对外开放，居民没处锻炼",
        "培训机构收了学费后关门跑路",
    ],
    "环境保护": [
        "工厂夜里偷排污水，河水发黑发臭",
        "工地噪音扰民，晚上十点后还在施工",
        "烧烤摊油烟太大，楼上住户不敢开窗",
        "垃圾焚烧冒黑烟，空气里都是臭味",
    ],
}
REQUESTS = ["请有关部门尽快处理。", "希望早日解决！", "恳请领导重视。"]

LABELS = sorted(MATTERS)


def samples(per_class: int = 12) -> tuple[list[str], list[str]]:
    """`per_class` raw sentences for each category (texts, labels), always the same ones."""
    texts: list[str] = []
    labels: list[str] = []
    for label in LABELS:
        combos = itertools.islice(itertools.product(MATTERS[label], PLACES, REQUESTS), 0, None, 5)
        for place_matter in itertools.islice(combos, per_class):
            matter, place, request = place_matter
            texts.append(f"{place}{matter}，{request}")
            labels.append(label)
    return texts, labels


_TOKEN = re.compile(r"[\u4e00-\u9fff]{1,2}|[A-Za-z0-9]+")


def segmented(text: str) -> str:
    """The text as a 分词 export has it: two-character tokens split by spaces, punctuation dropped."""
    return " ".join(_TOKEN.findall(text))


# Raw appeals as a citizen types them, none in the training samples: (text, category).
UNSEEN = [
    ("我家门口的公交车总是不停站，等了一个小时！！", "交通运输"),
    ("ＸＸ学校的老师体罚学生，请教育局管一管", "教育文体"),
    ("小区旁边的工厂偷排污水，河里的鱼都死了", "环境保护"),
]
