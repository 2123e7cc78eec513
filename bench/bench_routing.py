"""Appeal routing benchmark (接诉即办 分拨): accuracy on real 问政 messages and routing throughput.

    .venv/bin/python bench/bench_routing.py                   # every setting, then the chosen one
    .venv/bin/python bench/bench_routing.py --quick --no-write   # the default setting only

Data: the TipDM 2020 C data set under `shared/data/tipdm2020c/` beside the repository (the first
`shared/data` found in the repository's parent folders, or `--data-dir`); read from there, never
copied. Without it the script says so and exits 0.

1. Settings: stratified 5-fold macro-F1 (`routing.evaluate`) on `att2_train_8263_segmented.csv`
   (text_tokens, label: pre-segmented text, 7 categories) for each candidate setting; the best is
   reported per class with its confusion matrix.
2. Raw text: a model trained on the whole segmented file routes the raw messages of
   `att2_sample_449_raw.csv` (留言主题 + 留言详情 → 一级分类), as a citizen types them. Nearly all of
   these 449 messages are also in the segmented file (segmented); the script finds those copies
   (character 2–3-gram cosine ≥ 0.3 against the raw message) and reports a second figure from a model
   trained without them, so the raw messages are unseen.
3. Throughput: the trained model routes the raw messages (repeated to `--appeals`) in batches, on one
   core (the process pinned to one CPU, BLAS threads 1); best of 3, wall and CPU time.

Targets: 5-fold macro-F1 ≥ 0.92; throughput ≥ 2,000 appeals/s on one core. Prints a table and writes
it to docs/benchmarks.md, section bench_routing (unless --no-write).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from _common import REPO, cpu_model, load_average, memory_gib, write_section

sys.path.insert(0, str(REPO))

import numpy as np
import sklearn
from sklearn.metrics import f1_score
from threadpoolctl import threadpool_limits

from yingshang.appeals import routing
from yingshang.appeals.routing import CharNgramTfidf, Settings, normalize_text

DOC = REPO / "docs" / "benchmarks.md"
TRAIN_FILE = "att2_train_8263_segmented.csv"
RAW_FILE = "att2_sample_449_raw.csv"
TARGET_F1 = 0.92
TARGET_RATE = 2_000
COPY_COSINE = 0.3  # a raw message and its segmented copy: 0.4–0.9; two different messages: < 0.15 mostly
CANDIDATES = [
    Settings(),  # the default: chosen by this comparison
    Settings(c=0.5),
    Settings(c=1.0),
    Settings(c=2.0),
    Settings(min_df=1, c=1.0),
    Settings(ngram_range=(1, 2), c=1.0),
    Settings(ngram_range=(1, 2), c=2.0),
    Settings(ngram_range=(2, 3), c=1.0),
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="诉求分拨模型基准：准确率与吞吐量")
    parser.add_argument(
        "--data-dir", type=Path, help="tipdm2020c 数据所在文件夹（默认在上级目录中查找 shared/data）"
    )
    parser.add_argument("--quick", action="store_true", help="只评估默认设置")
    parser.add_argument("--appeals", type=int, default=20_000, help="吞吐量测试的诉求条数，默认 20,000")
    parser.add_argument("--no-write", action="store_true", help="只打印结果，不写入文档")
    return parser.parse_args(argv)


def find_data(given: Path | None) -> Path | None:
    if given is not None:
        return given if (given / TRAIN_FILE).exists() else None
    for folder in REPO.parents:  # a worktree may sit a level deeper than the main checkout
        candidate = folder / "shared" / "data" / "tipdm2020c"
        if (candidate / TRAIN_FILE).exists():
            return candidate
    return None


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def pin_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "未绑定（此系统不支持）"
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return f"绑定到 CPU {core}"


def _similarity(raw: list[str], segmented: list[str]) -> Any:
    features = CharNgramTfidf(ngram_range=(2, 3), min_df=1).fit(segmented + raw)
    return features.transform(raw) @ features.transform(segmented).T


def copies_of(raw: list[str], segmented: list[str]) -> set[int]:
    """Rows of the segmented file that are a raw message's segmented copy."""
    similarity = _similarity(raw, segmented).tocoo()
    return {int(j) for j, value in zip(similarity.col, similarity.data, strict=True) if value >= COPY_COSINE}


def nearest_copies(raw: list[str], segmented: list[str]) -> list[int]:
    """For each raw message, the row of the segmented file most like it."""
    return [int(j) for j in np.asarray(_similarity(raw, segmented).argmax(axis=1)).ravel()]


def throughput(model: routing.TrainedModel, texts: list[str], count: int) -> tuple[float, float]:
    """Best wall and CPU seconds of three runs routing `count` appeals."""
    batch = (texts * (count // len(texts) + 1))[:count]
    model.predict(batch[:500])  # warm-up: the punctuation table, the allocator
    walls, cpus = [], []
    with threadpool_limits(limits=1):  # one core: one BLAS thread too
        for _ in range(3):
            wall, cpu = time.perf_counter(), time.process_time()
            model.predict(batch)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def machine() -> str:
    gib = memory_gib()
    memory = "RAM unknown" if gib is None else f"{gib:.0f} GB RAM"
    return (
        f"{os.cpu_count()} CPU（{cpu_model('unknown CPU')}），{memory}，Python {platform.python_version()}，"
        f"scikit-learn {sklearn.__version__}，numpy {np.__version__}，开始时 1 分钟负载 {load_average():.2f}"
    )


def report(args: argparse.Namespace, folder: Path) -> str:
    started = machine()
    pinned = pin_one_core()
    train_rows = read_csv(folder / TRAIN_FILE)
    texts, labels = [r["text_tokens"] for r in train_rows], [r["label"] for r in train_rows]
    raw_rows = read_csv(folder / RAW_FILE)
    raw = [f"{r['留言主题']} {r['留言详情']}" for r in raw_rows]
    raw_labels = [r["一级分类"] for r in raw_rows]

    tried = []
    for settings in CANDIDATES[:1] if args.quick else CANDIDATES:
        start = time.perf_counter()
        evaluation = routing.evaluate(texts, labels, folds=5, settings=settings)
        seconds = time.perf_counter() - start
        tried.append((settings, evaluation, seconds))
        print(f"{settings.describe()}：macro-F1 {evaluation.macro_f1:.4f}（{seconds:.0f} s）", flush=True)
    best_settings, best, _ = max(tried, key=lambda t: t[1].macro_f1)

    start = time.perf_counter()
    model = routing.train(texts, labels, folds=5, settings=best_settings, trained_at="bench")
    train_seconds = time.perf_counter() - start
    routed = [p.label for p in model.predict(raw)]
    raw_f1 = f1_score(raw_labels, routed, average="macro")
    raw_accuracy = float(np.mean(np.array(routed) == np.array(raw_labels)))

    normalised = [normalize_text(t) for t in texts]
    copies = copies_of([normalize_text(t) for t in raw], normalised)
    kept = [i for i in range(len(texts)) if i not in copies]
    unseen_model = routing.train(
        [texts[i] for i in kept], [labels[i] for i in kept], folds=2, settings=best_settings
    )
    unseen = [p.label for p in unseen_model.predict(raw)]
    unseen_f1 = f1_score(raw_labels, unseen, average="macro")
    unseen_accuracy = float(np.mean(np.array(unseen) == np.array(raw_labels)))
    # The same messages as segmented text (each raw message's closest copy, with its own label): the
    # gap between the two figures is what raw text costs a model trained on segmented text.
    closest = nearest_copies([normalize_text(t) for t in raw], normalised)
    segmented = [p.label for p in unseen_model.predict([texts[j] for j in closest])]
    segmented_f1 = f1_score([labels[j] for j in closest], segmented, average="macro")

    wall, cpu = throughput(model, raw, args.appeals)
    mean_length = np.mean([len(t) for t in raw])
    f1_ok = "✓" if best.macro_f1 >= TARGET_F1 else "✗"
    rate_ok = "✓" if args.appeals / cpu >= TARGET_RATE else "✗"

    lines = [
        f"测量时间：{dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %z')}；机器：{started}。",
        "",
        "设置比较（att2_train_8263_segmented.csv，分层 5 折，去重后 "
        f"{best.n_samples:,} 条，去掉重复 {best.duplicates} 条）：",
        "",
        "| 设置 | macro-F1 | 准确率 | 5 折用时 |",
        "|---|---:|---:|---:|",
    ]
    for settings, evaluation, seconds in tried:
        mark = "（选用）" if settings == best_settings else ""
        figures = f"{evaluation.macro_f1:.4f} | {evaluation.accuracy:.4f} | {seconds:.0f} s"
        lines.append(f"| {settings.describe()}{mark} | {figures} |")
    lines += [
        "",
        f"选用设置的各类别（{best_settings.describe()}）：",
        "",
        "| 类别 | 精确率 | 召回率 | F1 | 样本数 |",
        "|---|---:|---:|---:|---:|",
    ]
    for c in best.classes:
        lines.append(f"| {c.label} | {c.precision:.3f} | {c.recall:.3f} | {c.f1:.3f} | {c.support:,} |")
    lines += [
        "",
        "| 场景 | 结果 | 目标 |",
        "|---|---|---|",
        f"| 分层 5 折交叉验证 macro-F1（分词文本） | {best.macro_f1:.4f}（准确率 {best.accuracy:.4f}） "
        f"| ≥ {TARGET_F1} {f1_ok} |",
        f"| 训练（5 折交叉验证 + 全量训练） | {train_seconds:.0f} s | |",
        f"| 原始留言 {len(raw)} 条（主题 + 详情），用全部分词文本训练的模型 | macro-F1 {raw_f1:.4f}，"
        f"准确率 {raw_accuracy:.4f} | |",
        f"| 同上，训练时去掉这些留言的分词副本（{len(copies)} 行，余弦 ≥ {COPY_COSINE}） | "
        f"macro-F1 {unseen_f1:.4f}，准确率 {unseen_accuracy:.4f} | |",
        f"| 同上模型分拨这些留言的分词副本（对照：原文与分词文本之差） | macro-F1 {segmented_f1:.4f} | |",
        f"| 分拨吞吐量，单核（{pinned}），{args.appeals:,} 条原始留言（平均 {mean_length:.0f} 字），"
        f"每批 {routing.BATCH:,} 条，3 次最好 | {args.appeals / cpu:,.0f} 条/秒（CPU 时间 {cpu:.2f} s）；"
        f"墙钟 {args.appeals / wall:,.0f} 条/秒 | ≥ {TARGET_RATE:,} 条/秒 {rate_ok} |",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    folder = find_data(args.data_dir)
    if folder is None:
        print(f"没有找到 tipdm2020c 数据（{TRAIN_FILE}），跳过诉求分拨基准")
        return 0
    table = report(args, folder)
    print(table)
    if not args.no_write:
        # The method is described in docs/benchmarks.md next to the section; only the figures change.
        write_section(DOC, "bench_routing", table, header="# 性能基准\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
