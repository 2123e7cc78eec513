"""Reason codes in Chinese. Batch results store stable codes ("employees.ge.fail",
"qual.hnte.unknown"); a download or page shows them as the rule sentence and its status."""

from __future__ import annotations

from collections.abc import Iterable

from yingshang.policies import rules
from yingshang.policies.rules import ast as rule_tree
from yingshang.policies.rules.evaluate import op_code
from yingshang.policies.rules.render import leaf_sentence


def reason_texts(item: rules.Item, codes: Iterable[str]) -> list[str]:
    """["从业人数不少于 10 人：不满足", …] for the codes of one item (an unknown code is shown as is)."""
    sentences: dict[str, list[str]] = {}
    for leaf in item.all_leaves():
        prefix = (
            f"qual.{leaf.kind}"
            if isinstance(leaf, rule_tree.HasQualification)
            else f"{leaf.field}.{op_code(leaf)}"
        )
        sentences.setdefault(prefix, []).append(leaf_sentence(leaf))
    labels = {s.value: s.label for s in rules.Status}
    texts = []
    for code in codes:
        prefix, _, status = code.rpartition(".")
        for sentence in dict.fromkeys(sentences.get(prefix, [prefix])):
            texts.append(f"{sentence}：{labels.get(status, status)}")
    return texts
