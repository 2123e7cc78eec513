"""Routing an appeal to a category from the office's own labelled history (接诉即办, issue #10 item 2).

The model is a character n-gram TF-IDF (n = 1–3, sublinear term frequency, l2-normalised) and a linear
SVM (scikit-learn's LinearSVC, C=4, one-vs-rest). Characters, not words: Chinese needs no word segmenter
then, and a model trained on pre-segmented text (tokens joined by spaces, stop words gone) routes raw
text as a citizen types it, because `normalize_text` makes both look alike (spaces between Chinese
characters dropped, punctuation gone, NFKC, lower case).

Confidence is a probability from one temperature-scaled softmax over the SVM's decision values; the
temperature is fitted on the out-of-fold decision values of the cross-validation that `train` runs
anyway (no extra fits), and a common temperature keeps the SVM's own ranking, so the predicted label
is exactly the one the cross-validated report measured.

The TF-IDF features are computed with numpy over whole batches (`CharNgramTfidf`): every n-gram of
up to three characters is an exact 63-bit integer (21 bits a code point), so the vocabulary is a
sorted integer array and a batch is looked up with one `searchsorted`. It gives the same matrix as
scikit-learn's `TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)`
(a test compares them) at about 20 times its speed: scikit-learn's analyzer is a Python loop per
n-gram, too slow for the 2,000 appeals/s target.

A saved model is a NumPy .npz file of plain arrays and one JSON metadata string, read back with
`allow_pickle=False`: a model file handed to the program can never run code, and it does not depend
on the scikit-learn version that trained it.

Plain Python, numpy, scipy and scikit-learn; no Django import (an engine, .importlinter).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import minimize_scalar
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from yingshang.core.errors import UserError

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "CharNgramTfidf",
    "ClassScore",
    "EvaluationReport",
    "Prediction",
    "RoutingError",
    "Settings",
    "TrainedModel",
    "evaluate",
    "load",
    "normalize_text",
    "save",
    "train",
]

FORMAT = "yingshang-appeal-router"
FORMAT_VERSION = 1
MAX_TEXT_CHARS = 5_000  # the start of an appeal decides; bounds memory on a 20 MB paste
BATCH = 2_048  # texts vectorised at once: large enough for numpy, small enough for memory
DEFAULT_SEED = 20_201
TOP = 3
MAX_ROWS_SHOWN = 10

_CODE_BITS = 21  # every Unicode code point (+1) fits in 21 bits
_CJK = (
    r"[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff"
    r"\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f]"
)
_SPACE_NEXT_TO_CJK = re.compile(rf"\s+(?={_CJK})|(?<={_CJK})\s+")
_SPACES = re.compile(r"\s+")


class RoutingError(UserError):
    """Training data, a model file or texts to route that cannot be used; the message is Chinese."""


@dataclass(frozen=True)
class Settings:
    """What a model is made of. The defaults won the comparison in bench/bench_routing.py (stratified
    5-fold macro-F1 on 8,263 labelled 问政 messages; docs/benchmarks.md has the figures)."""

    ngram_range: tuple[int, int] = (1, 3)  # 3 at most: an n-gram is one exact int64
    min_df: int = 2  # an n-gram seen in one training text only says nothing about a category
    c: float = 4.0  # LinearSVC's regularisation (0.5, 1, 2 and 4 compared: 4 was best, by a little)

    def describe(self) -> str:
        low, high = self.ngram_range
        return f"字符 {low}–{high} 元组，min_df={self.min_df}，LinearSVC C={self.c:g}"


# --------------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------------


class _MarkTable(dict[int, int | str]):
    """str.translate's table: punctuation and symbols (Unicode categories P*, S*) become a space.
    Filled as characters are met, so importing the module does not walk all of Unicode."""

    def __missing__(self, point: int) -> int | str:
        value: int | str = " " if unicodedata.category(chr(point))[0] in "PS" else point
        self[point] = value
        return value


_MARK_TABLE = _MarkTable()


def normalize_text(text: str) -> str:
    """The text as the model reads it, the same for a citizen's raw message and for pre-segmented
    training text: NFKC (full-width letters and digits become ASCII), lower case, punctuation and
    symbols dropped, spaces next to a Chinese character dropped (segmentation), other runs of
    whitespace made one space; at most MAX_TEXT_CHARS characters."""
    text = text[: MAX_TEXT_CHARS * 2].translate(_MARK_TABLE)
    # Most raw appeals are not NFKC only because of full-width punctuation, gone now: the quick check
    # spares the normalisation (a sixth of the routing time) for them.
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text).translate(_MARK_TABLE)
    text = _SPACES.sub(" ", _SPACE_NEXT_TO_CJK.sub("", text.lower())).strip()
    return text[:MAX_TEXT_CHARS]


# --------------------------------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------------------------------


def _ngram_codes(texts: Sequence[str], ngram_range: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Every character n-gram of every text as (row index, exact int64 code), in text order."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    joined = "".join(texts)
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64) + 1
    owner = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    rows, codes = [], []
    low, high = ngram_range
    for n in range(low, high + 1):
        if len(points) < n:
            break
        code = points[: len(points) - n + 1].copy()
        for k in range(1, n):
            code = (code << _CODE_BITS) | points[k : len(points) - n + 1 + k]
        start_owner = owner[: len(owner) - n + 1]
        same_text = start_owner == owner[n - 1 :]  # an n-gram never spans two texts
        rows.append(start_owner[same_text])
        codes.append(code[same_text])
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(codes)


@dataclass
class CharNgramTfidf:
    """Character n-gram TF-IDF over normalised texts, computed in whole batches with numpy.

    `codes` is the sorted vocabulary (exact n-gram codes), `idf` its inverse document frequencies
    (scikit-learn's smooth idf: ln((1 + n) / (1 + df)) + 1)."""

    ngram_range: tuple[int, int] = Settings.ngram_range
    min_df: int = Settings.min_df
    codes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    idf: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        low, high = self.ngram_range
        if not 1 <= low <= high <= 3:
            raise ValueError("n-grams of 1 to 3 characters only (an int64 holds three code points)")

    @property
    def size(self) -> int:
        return len(self.codes)

    def fit(self, texts: Sequence[str]) -> CharNgramTfidf:
        rows, codes = _ngram_codes(texts, self.ngram_range)
        vocabulary, column = np.unique(codes, return_inverse=True)
        # one entry per (text, n-gram): the document frequency is how many texts have it
        present = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.int8), (rows, column)), shape=(len(texts), len(vocabulary))
        )
        present.sum_duplicates()
        df = np.bincount(present.indices, minlength=len(vocabulary))
        keep = df >= self.min_df
        self.codes = vocabulary[keep]
        self.idf = np.log((1 + len(texts)) / (1 + df[keep])) + 1.0
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """The l2-normalised TF-IDF rows of `texts` (already normalised by `normalize_text`)."""
        parts = [self._transform(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)]
        if not parts:
            return sparse.csr_matrix((0, self.size))
        return parts[0] if len(parts) == 1 else sparse.vstack(parts, format="csr")

    def _transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        rows, codes = _ngram_codes(texts, self.ngram_range)
        column = np.searchsorted(self.codes, codes)
        column[column == self.size] = 0
        known = self.codes[column] == codes if self.size else np.zeros(len(codes), dtype=bool)
        counts = sparse.csr_matrix(
            (np.ones(int(known.sum())), (rows[known], column[known])), shape=(len(texts), self.size)
        )
        counts.sum_duplicates()
        counts.data = (1.0 + np.log(counts.data)) * self.idf[counts.indices]
        norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        counts.data /= np.repeat(norms, np.diff(counts.indptr))
        return counts


# --------------------------------------------------------------------------------------------------
# Training data
# --------------------------------------------------------------------------------------------------


def _rows_text(numbers: Sequence[int]) -> str:
    shown = "、".join(str(n) for n in numbers[:MAX_ROWS_SHOWN])
    more = f" 等 {len(numbers):,} 行" if len(numbers) > MAX_ROWS_SHOWN else ""
    return f"第 {shown} 行{more}"


@dataclass(frozen=True)
class TrainingSet:
    """Labelled texts after checking: normalised, duplicates (same text, same label) dropped."""

    texts: list[str]
    labels: list[str]
    rows: list[int]  # each kept text's row number as the user sees it
    duplicates: int  # rows dropped as repeats of an earlier row
    conflicts: int  # texts that appear under two or more labels (kept: the history says so)


def prepare(
    texts: Sequence[str | None],
    labels: Sequence[str | None],
    *,
    folds: int = 5,
    rows: Sequence[int] | None = None,
) -> TrainingSet:
    """Check labelled history for training with `folds`-fold cross-validation; RoutingError says what
    is wrong and in which rows. `rows` are the row numbers to name (default 1, 2, …)."""
    if len(texts) != len(labels):
        raise RoutingError(f"文本有 {len(texts):,} 条，类别有 {len(labels):,} 条，数量不一致")
    numbers = list(rows) if rows is not None else list(range(1, len(texts) + 1))
    if not texts:
        raise RoutingError("训练数据是空的：没有任何一行")
    unlabelled = [n for n, label in zip(numbers, labels, strict=True) if not (label or "").strip()]
    if unlabelled:
        raise RoutingError(f"{_rows_text(unlabelled)}没有类别，请补上类别或删去这些行后再训练")
    normalised = [normalize_text(t or "") for t in texts]
    empty = [n for n, text in zip(numbers, normalised, strict=True) if not text]
    if empty:
        raise RoutingError(f"{_rows_text(empty)}文本为空，请补上内容或删去这些行后再训练")
    seen: set[tuple[str, str]] = set()
    kept_texts, kept_labels, kept_rows = [], [], []
    for number, text, label in zip(numbers, normalised, labels, strict=True):
        key = (text, (label or "").strip())
        if key in seen:
            continue
        seen.add(key)
        kept_texts.append(text)
        kept_labels.append(key[1])
        kept_rows.append(number)
    by_text = Counter(kept_texts)
    counts = Counter(kept_labels)
    if len(counts) < 2:
        only = next(iter(counts))
        raise RoutingError(f"训练数据只有一个类别“{only}”，至少需要两个类别才能训练分拨模型")
    small = sorted((n, label) for label, n in counts.items() if n < folds)
    if small:
        named = "；".join(f"类别“{label}”只有 {n} 条" for n, label in small)
        raise RoutingError(
            f"{named}（去掉重复行后）。{folds} 折交叉验证要求每个类别至少 {folds} 条，"
            "请补充这些类别的样本，或把它们并入相近的类别"
        )
    return TrainingSet(
        kept_texts,
        kept_labels,
        kept_rows,
        duplicates=len(texts) - len(kept_texts),
        conflicts=sum(1 for n in by_text.values() if n > 1),
    )


# --------------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class EvaluationReport:
    """Stratified k-fold cross-validation of the model on the training set."""

    labels: list[str]
    classes: list[ClassScore]
    confusion: list[list[int]]  # confusion[true][predicted], in the order of `labels`
    macro_f1: float
    accuracy: float
    n_samples: int  # rows used (after dropping duplicates)
    duplicates: int  # rows dropped as repeats
    conflicts: int  # texts kept under more than one label
    folds: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "labels": self.labels,
            "classes": [vars(c) for c in self.classes],
            "confusion": self.confusion,
            "macro_f1": self.macro_f1,
            "accuracy": self.accuracy,
            "n_samples": self.n_samples,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "folds": self.folds,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvaluationReport:
        return cls(**{**data, "classes": [ClassScore(**c) for c in data["classes"]]})


Progress = Callable[[int, int], None]


def _fit_svm(matrix: sparse.csr_matrix, targets: np.ndarray, settings: Settings, seed: int) -> LinearSVC:
    return LinearSVC(C=settings.c, random_state=seed).fit(matrix, targets)


def _features(settings: Settings) -> CharNgramTfidf:
    return CharNgramTfidf(ngram_range=settings.ngram_range, min_df=settings.min_df)


def _cross_validate(
    data: TrainingSet, folds: int, seed: int, settings: Settings, progress: Progress | None
) -> tuple[EvaluationReport, np.ndarray, np.ndarray]:
    labels = sorted(set(data.labels))
    targets = np.searchsorted(labels, data.labels)
    decisions = np.zeros((len(targets), len(labels)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    if progress:
        progress(0, folds)
    for done, (train_rows, test_rows) in enumerate(splitter.split(np.zeros(len(targets)), targets), 1):
        train_texts = [data.texts[i] for i in train_rows]
        features = _features(settings).fit(train_texts)
        svm = _fit_svm(features.transform(train_texts), targets[train_rows], settings, seed)
        decisions[test_rows] = _decision(svm, features.transform([data.texts[i] for i in test_rows]))
        if progress:
            progress(done, folds)
    predicted = decisions.argmax(axis=1)
    precision, recall, f1, support = precision_recall_fscore_support(
        targets, predicted, labels=range(len(labels)), zero_division=0
    )
    scores = [
        ClassScore(label, float(p), float(r), float(f), int(s))
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    ]
    report = EvaluationReport(
        labels=labels,
        classes=scores,
        confusion=confusion_matrix(targets, predicted, labels=range(len(labels))).tolist(),
        macro_f1=float(np.mean(f1)),
        accuracy=float(np.mean(predicted == targets)),
        n_samples=len(targets),
        duplicates=data.duplicates,
        conflicts=data.conflicts,
        folds=folds,
    )
    return report, decisions, targets


def _decision(svm: LinearSVC, matrix: sparse.csr_matrix) -> np.ndarray:
    values = np.asarray(svm.decision_function(matrix))
    return np.column_stack([-values, values]) if values.ndim == 1 else values  # two classes: one column


def evaluate(
    texts: Sequence[str | None],
    labels: Sequence[str | None],
    folds: int = 5,
    *,
    seed: int = DEFAULT_SEED,
    settings: Settings = Settings(),
    rows: Sequence[int] | None = None,
    progress: Progress | None = None,
) -> EvaluationReport:
    """Stratified `folds`-fold cross-validation of the router on labelled texts (checked first)."""
    data = prepare(texts, labels, folds=folds, rows=rows)
    return _cross_validate(data, folds, seed, settings, progress)[0]


def _softmax(values: np.ndarray) -> np.ndarray:
    shifted = np.exp(values - values.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _fit_temperature(decisions: np.ndarray, targets: np.ndarray) -> float:
    """The temperature T that makes softmax(decision / T) the best probabilities (least log loss) on
    out-of-fold decisions. One number for all classes, so the ranking of the classes never changes.

    The targets are smoothed as in Platt scaling (the true class 1 − 1/(n + 2), the rest share the
    remainder): on a small history the folds may all be right, and unsmoothed targets would then
    drive T to zero and every confidence to 1."""
    n, classes = decisions.shape
    epsilon = 1.0 / (n + 2)
    wanted = np.full((n, classes), epsilon / max(classes - 1, 1))
    wanted[np.arange(n), targets] = 1.0 - epsilon

    def loss(log_t: float) -> float:
        scaled = decisions / math.exp(log_t)
        shifted = scaled - scaled.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return float(-np.mean(np.sum(wanted * log_p, axis=1)))

    found = minimize_scalar(loss, bounds=(-6.0, 3.0), method="bounded")
    return math.exp(float(found.x))


# --------------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float  # the probability of `label`, 0–1
    top3: list[tuple[str, float]]  # the three likeliest labels with their probabilities, best first


@dataclass
class TrainedModel:
    features: CharNgramTfidf
    labels: list[str]
    coef: npt.NDArray[np.float32]  # (classes, features)
    intercept: npt.NDArray[np.float64]
    temperature: float
    metadata: dict[str, Any]  # trained_at, n_samples, macro_f1, version, report …

    @property
    def version(self) -> str:
        return str(self.metadata["version"])

    @property
    def report(self) -> EvaluationReport:
        return EvaluationReport.from_dict(self.metadata["report"])

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Rows of class probabilities (columns in the order of `labels`) for raw texts."""
        normalised = [normalize_text(t) for t in texts]
        empty = [i + 1 for i, t in enumerate(normalised) if not t]
        if empty:
            raise RoutingError(f"{_rows_text(empty)}文本为空，无法分拨")
        out = np.zeros((len(texts), len(self.labels)))
        for start in range(0, len(texts), BATCH):
            matrix = self.features.transform(normalised[start : start + BATCH])
            decision = np.asarray(matrix @ self.coef.T) + self.intercept
            out[start : start + BATCH] = _softmax(decision / self.temperature)
        return out

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        probabilities = self.probabilities(texts)
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, :TOP]
        result = []
        for row, best in zip(probabilities, order, strict=True):
            top = [(self.labels[k], float(row[k])) for k in best]
            result.append(Prediction(top[0][0], top[0][1], top))
        return result


def train(
    texts: Sequence[str | None],
    labels: Sequence[str | None],
    *,
    folds: int = 5,
    seed: int = DEFAULT_SEED,
    trained_at: str = "",
    settings: Settings = Settings(),
    rows: Sequence[int] | None = None,
    progress: Progress | None = None,
) -> TrainedModel:
    """Cross-validate (the report goes into the metadata), then train on every row.

    `trained_at` is the moment to record (the caller's clock: an engine has none); `progress(done,
    total)` is called after each fold and once more after the final fit."""
    data = prepare(texts, labels, folds=folds, rows=rows)
    steps = folds + 1

    def fold_progress(done: int, _total: int) -> None:
        if progress:
            progress(done, steps)

    report, decisions, targets = _cross_validate(data, folds, seed, settings, fold_progress)
    temperature = _fit_temperature(decisions, targets)
    features = _features(settings).fit(data.texts)
    svm = _fit_svm(features.transform(data.texts), targets, settings, seed)
    coef = np.asarray(svm.coef_, dtype=np.float32)
    intercept = np.asarray(svm.intercept_, dtype=np.float64)
    if len(report.labels) == 2:  # one decision column for two classes: make it two, as _decision does
        coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
    if progress:
        progress(steps, steps)
    model = TrainedModel(features, report.labels, coef, intercept, temperature, {})
    model.metadata = {
        "trained_at": trained_at,
        "n_samples": report.n_samples,
        "macro_f1": report.macro_f1,
        "labels": report.labels,
        "settings": {"ngram_range": list(settings.ngram_range), "min_df": settings.min_df, "c": settings.c},
        "seed": seed,
        "report": report.as_dict(),
    }
    model.metadata["version"] = _version_hash(model)
    return model


def _version_hash(model: TrainedModel) -> str:
    """Twelve hex digits of SHA-256 over what decides a prediction: the same model, the same hash."""
    digest = hashlib.sha256()
    for array in (model.features.codes, model.features.idf, model.coef, model.intercept):
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update(json.dumps([model.labels, model.temperature, model.features.ngram_range]).encode())
    return digest.hexdigest()[:12]


# --------------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------------


def save(model: TrainedModel, path: Path | str) -> None:
    """Write the model as a .npz of plain arrays plus JSON metadata (no pickle)."""
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "labels": model.labels,
        "temperature": model.temperature,
        "ngram_range": list(model.features.ngram_range),
        "min_df": model.features.min_df,
        "metadata": model.metadata,
    }
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        header=np.array(json.dumps(header, ensure_ascii=False)),
        codes=model.features.codes,
        idf=model.features.idf,
        coef=model.coef,
        intercept=model.intercept,
    )
    try:
        Path(path).write_bytes(buffer.getvalue())
    except OSError as exc:
        raise RoutingError(f"无法写入模型文件：{exc.strerror or exc}", file=str(path)) from None


_BROKEN_MODEL = "模型文件内容不完整或已损坏，请重新训练"
_NOT_A_MODEL = "不是分拨模型文件（应为 yingshang appeals train 生成的文件）"


def load(path: Path | str) -> TrainedModel:
    """Read a model written by `save`; RoutingError for a missing, foreign or newer-format file."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise RoutingError("找不到模型文件", file=name) from None
    except OSError as exc:
        raise RoutingError(f"无法读取模型文件：{exc.strerror or exc}", file=name) from None
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            header = json.loads(str(arrays["header"]))
            parts = {key: arrays[key] for key in ("codes", "idf", "coef", "intercept")}
    except (ValueError, KeyError, OSError, EOFError, json.JSONDecodeError):
        raise RoutingError(_NOT_A_MODEL, file=name) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise RoutingError(_NOT_A_MODEL, file=name)
    if header.get("format_version") != FORMAT_VERSION:
        raise RoutingError(
            f"模型文件格式为第 {header.get('format_version')} 版，本程序只能读取第 {FORMAT_VERSION} 版，"
            "请用本程序重新训练",
            file=name,
        )
    try:
        low, high = header["ngram_range"]
        features = CharNgramTfidf(
            ngram_range=(int(low), int(high)),
            min_df=int(header["min_df"]),
            codes=parts["codes"].astype(np.int64),
            idf=parts["idf"].astype(np.float64),
        )
        model = TrainedModel(
            features,
            [str(label) for label in header["labels"]],
            parts["coef"].astype(np.float32),
            parts["intercept"].astype(np.float64),
            float(header["temperature"]),
            dict(header["metadata"]),
        )
    except (KeyError, TypeError, ValueError):
        raise RoutingError(_BROKEN_MODEL, file=name) from None
    classes, size = len(model.labels), features.size
    if (
        model.coef.shape != (classes, size)
        or model.intercept.shape != (classes,)
        or len(features.idf) != size
    ):
        raise RoutingError(_BROKEN_MODEL, file=name)
    return model
