"""The routing engine (appeals/routing.py): text normalisation, features, validation, evaluation,
prediction and model files, on small synthetic appeals of our own (routing_samples.py)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from yingshang.appeals import routing
from yingshang.appeals.routing import CharNgramTfidf, RoutingError, Settings, normalize_text
from yingshang.appeals.tests.routing_samples import LABELS, UNSEEN, samples, segmented
from yingshang.core.errors import UserError

TRAINED_AT = "2026-06-30T09:00:00+08:00"


@pytest.fixture(scope="module")
def model() -> routing.TrainedModel:
    texts, labels = samples()
    return routing.train([segmented(t) for t in texts], labels, trained_at=TRAINED_AT)


# ---- normalisation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("公交车 不 停站", "公交车不停站"),  # segmentation spaces go
        ("路灯  坏了\n\t三天", "路灯坏了三天"),
        ("ＡＢＣ小区１２３号", "abc小区123号"),  # NFKC: full-width letters and digits, lower case
        ("噪音扰民，请处理！", "噪音扰民请处理"),  # punctuation goes (segmented text has none)
        ("wifi  signal\tweak", "wifi signal weak"),  # Latin words keep one space
        ("A3 区 大道", "a3区大道"),
        ("“垃圾”《焚烧》…", "垃圾焚烧"),
        ("wifi，信号差", "wifi信号差"),
        ("   ", ""),
        ("", ""),
    ],
)
def test_normalize_text_makes_raw_and_segmented_text_alike(raw: str, normalised: str) -> None:
    assert normalize_text(raw) == normalised


def test_normalize_text_gives_segmented_and_raw_sentences_the_same_text() -> None:
    raw = "渭滨区经二路公交车经常不按站停靠，等车太久，请有关部门尽快处理。"
    assert normalize_text(segmented(raw)) == normalize_text(raw)


def test_normalize_text_keeps_only_the_start_of_a_huge_text() -> None:
    huge = "噪音" * 10_000_000  # 20 million characters pasted into a form
    assert len(normalize_text(huge)) == routing.MAX_TEXT_CHARS


# ---- features ------------------------------------------------------------------------------------


def _code(gram: str) -> int:
    code = 0
    for char in gram:
        code = (code << 21) | (ord(char) + 1)
    return code


@pytest.mark.parametrize(
    ("ngram_range", "min_df"), [((1, 1), 1), ((1, 2), 1), ((1, 3), 2), ((2, 3), 1), ((1, 3), 1)]
)
def test_features_are_scikit_learns_char_tfidf(ngram_range: tuple[int, int], min_df: int) -> None:
    texts = [normalize_text(t) for t in samples(6)[0]] + ["a b", "路灯", "灯"]
    ours = CharNgramTfidf(ngram_range=ngram_range, min_df=min_df).fit(texts)
    reference = TfidfVectorizer(
        analyzer="char", ngram_range=ngram_range, min_df=min_df, sublinear_tf=True, lowercase=False
    ).fit(texts)
    # the same vocabulary; their columns are in string order, ours in code order
    codes = np.array([_code(gram) for gram in reference.vocabulary_], dtype=np.int64)
    assert np.array_equal(np.sort(codes), ours.codes)
    order = np.empty(len(codes), dtype=np.int64)
    order[np.searchsorted(ours.codes, codes)] = list(reference.vocabulary_.values())
    expected = reference.transform([*texts, "没见过的字"])[:, order]
    assert abs(ours.transform([*texts, "没见过的字"]) - expected).max() < 1e-12


def test_an_ngram_never_spans_two_texts() -> None:
    features = CharNgramTfidf(ngram_range=(1, 3), min_df=1).fit(["路灯坏", "灯坏了"])
    together = features.transform(["路", "灯坏"]).toarray()
    apart = np.vstack([features.transform(["路"]).toarray(), features.transform(["灯坏"]).toarray()])
    assert np.array_equal(together, apart)
    assert features.transform(["路灯"]).nnz == 3  # 路, 灯, 路灯 (路灯 from the first text)
    assert features.transform(["路", "灯"]).nnz == 2  # no 路灯 across the two


def test_features_refuse_ngrams_longer_than_three() -> None:
    with pytest.raises(ValueError, match="1 to 3"):
        CharNgramTfidf(ngram_range=(2, 4))


# ---- training data -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "labels", "message"),
    [
        (["公交不停站"] * 6, ["交通运输"] * 6, "只有一个类别“交通运输”，至少需要两个类别"),
        (["甲", "乙", "丙"], ["交通运输", "", None], "第 2、3 行没有类别"),
        (["甲", "  ", "！！"], ["交通运输", "教育文体", "教育文体"], "第 2、3 行文本为空"),
        (["甲"], ["交通运输", "教育文体"], "文本有 1 条，类别有 2 条"),
        ([], [], "训练数据是空的"),
    ],
)
def test_it_refuses_training_data_it_cannot_learn_from(
    texts: list[str], labels: list[str | None], message: str
) -> None:
    with pytest.raises(RoutingError, match=message):
        routing.prepare(texts, labels)


def test_it_names_each_class_with_too_few_samples_for_the_folds() -> None:
    texts, labels = samples()
    texts += ["公园里的健身器材坏了", "公园厕所没人打扫", "公园健身器材坏了"]
    labels += ["园林绿化", "园林绿化", "市容环卫"]
    with pytest.raises(RoutingError) as caught:
        routing.prepare(texts, labels, folds=5)
    message = str(caught.value)
    assert "类别“市容环卫”只有 1 条" in message and "类别“园林绿化”只有 2 条" in message
    assert "5 折交叉验证要求每个类别至少 5 条" in message


def test_it_counts_the_repeats_of_a_class_only_once_against_the_folds() -> None:
    texts, labels = samples()
    texts += ["公园健身器材坏了"] * 5  # five rows, one text: one sample
    labels += ["园林绿化"] * 5
    with pytest.raises(RoutingError, match="类别“园林绿化”只有 1 条（去掉重复行后）"):
        routing.prepare(texts, labels)


def test_rows_are_named_as_the_caller_numbers_them() -> None:
    with pytest.raises(RoutingError, match="第 7 行没有类别"):
        routing.prepare(["甲", "乙"], ["交通运输", " "], rows=[6, 7])


def test_a_long_list_of_rows_is_cut_short_with_the_count() -> None:
    with pytest.raises(RoutingError, match=r"第 1、2、3、4、5、6、7、8、9、10 行 等 30 行没有类别"):
        routing.prepare(["甲"] * 30, [""] * 30)


def test_duplicate_rows_are_dropped_and_counted_but_a_text_under_two_labels_is_kept() -> None:
    texts, labels = samples()
    data = routing.prepare(
        [*texts, texts[0], segmented(texts[1]), texts[2]],
        [*labels, labels[0], labels[1], "教育文体"],  # the last: the same text, another label
    )
    assert data.duplicates == 2  # a repeat, and a segmented copy of a raw row
    assert data.conflicts == 1
    assert len(data.texts) == len(texts) + 1


def test_routing_errors_are_user_errors() -> None:
    assert issubclass(RoutingError, UserError)


# ---- evaluation ----------------------------------------------------------------------------------


def test_evaluate_reports_every_class_and_a_consistent_confusion_matrix() -> None:
    texts, labels = samples()
    report = routing.evaluate([*texts, texts[0]], [*labels, labels[0]], folds=4)
    assert report.labels == LABELS and [c.label for c in report.classes] == LABELS
    assert report.folds == 4 and report.n_samples == len(texts) and report.duplicates == 1
    assert [c.support for c in report.classes] == [12, 12, 12]
    assert [sum(row) for row in report.confusion] == [12, 12, 12]
    assert report.macro_f1 == pytest.approx(np.mean([c.f1 for c in report.classes]))
    diagonal = sum(report.confusion[i][i] for i in range(3))
    assert report.accuracy == pytest.approx(diagonal / len(texts))
    assert report.macro_f1 > 0.9  # three well-separated categories


def test_evaluate_counts_each_fold() -> None:
    seen: list[tuple[int, int]] = []
    texts, labels = samples()
    routing.evaluate(texts, labels, folds=3, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_the_report_survives_a_round_trip_through_a_dict(model: routing.TrainedModel) -> None:
    report = model.report
    assert routing.EvaluationReport.from_dict(json.loads(json.dumps(report.as_dict()))) == report


# ---- the model -----------------------------------------------------------------------------------


def test_a_model_trained_on_segmented_text_routes_raw_text(model: routing.TrainedModel) -> None:
    predictions = model.predict([text for text, _ in UNSEEN])
    assert [p.label for p in predictions] == [label for _, label in UNSEEN]
    for prediction in predictions:
        assert prediction.top3[0] == (prediction.label, prediction.confidence)
        confidences = [c for _, c in prediction.top3]
        assert confidences == sorted(confidences, reverse=True)
        assert sorted(label for label, _ in prediction.top3) == LABELS
        assert sum(confidences) == pytest.approx(1.0)
        assert 0.5 < prediction.confidence < 1.0  # sure, but never certain


def test_the_top3_has_three_of_many_labels() -> None:
    texts, labels = samples()
    texts += [f"公园{place}的健身器材坏了" for place in "东南西北中"]
    labels += ["园林绿化"] * 5
    model = routing.train(texts, labels)
    (prediction,) = model.predict(["公园里的健身器材坏了"])
    assert len(prediction.top3) == 3 and prediction.label == "园林绿化"


def test_two_categories_are_enough() -> None:
    texts, labels = samples()
    keep = [i for i, label in enumerate(labels) if label != "教育文体"]
    model = routing.train([texts[i] for i in keep], [labels[i] for i in keep], folds=3)
    assert model.labels == ["交通运输", "环境保护"]
    predictions = model.predict([UNSEEN[0][0], UNSEEN[2][0]])
    assert [p.label for p in predictions] == ["交通运输", "环境保护"]
    assert all(len(p.top3) == 2 for p in predictions)


def test_routing_refuses_an_empty_text_naming_its_row(model: routing.TrainedModel) -> None:
    with pytest.raises(RoutingError, match="第 2 行文本为空，无法分拨"):
        model.predict(["公交不停站", "，。"])


def test_routing_takes_a_huge_text_and_many_texts_in_batches(model: routing.TrainedModel) -> None:
    texts = [UNSEEN[0][0]] * (routing.BATCH + 5) + ["工厂偷排污水" * 5_000_000]
    predictions = model.predict(texts)
    assert len(predictions) == len(texts)
    assert predictions[0] == predictions[routing.BATCH + 4]
    assert predictions[-1].label == "环境保护"


def test_the_metadata_records_what_trained_it(model: routing.TrainedModel) -> None:
    meta = model.metadata
    assert meta["trained_at"] == TRAINED_AT  # passed in: the engine has no clock
    assert meta["n_samples"] == 36 and meta["labels"] == LABELS
    assert meta["macro_f1"] == model.report.macro_f1
    assert meta["settings"] == {"ngram_range": [1, 3], "min_df": 2, "c": 4.0}
    assert len(model.version) == 12


def test_the_same_data_makes_the_same_version_and_other_data_another() -> None:
    texts, labels = samples()
    first = routing.train(texts, labels, trained_at="a")
    again = routing.train(texts, labels, trained_at="b")
    other = routing.train(texts, labels, settings=Settings(c=0.5))
    assert first.version == again.version != other.version


# ---- files ---------------------------------------------------------------------------------------


def test_a_saved_model_routes_as_before(model: routing.TrainedModel, tmp_path: Path) -> None:
    path = tmp_path / "分拨模型.npz"
    routing.save(model, path)
    loaded = routing.load(path)
    texts = [text for text, _ in UNSEEN]
    assert loaded.predict(texts) == model.predict(texts)
    assert loaded.version == model.version and loaded.metadata == model.metadata
    assert loaded.report == model.report


def test_a_model_file_holds_no_pickle(model: routing.TrainedModel, tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    routing.save(model, path)
    with np.load(path, allow_pickle=False) as arrays:  # would fail on an object array
        header = json.loads(str(arrays["header"]))
    assert header["format"] == routing.FORMAT and header["labels"] == LABELS


def _npz(tmp_path: Path, **arrays: np.ndarray) -> Path:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path = tmp_path / "x.npz"
    path.write_bytes(buffer.getvalue())
    return path


def _header(**changes: object) -> np.ndarray:
    header = {"format": routing.FORMAT, "format_version": routing.FORMAT_VERSION, **changes}
    return np.array(json.dumps(header))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing.npz", "找不到模型文件"),
        (lambda tmp: tmp, "无法读取模型文件"),  # a folder
        (lambda tmp: _write(tmp / "a.npz", "留言,类别\n".encode()), "不是分拨模型文件"),
        (lambda tmp: _write(tmp / "a.npz", _zip_of_text()), "不是分拨模型文件"),
        (lambda tmp: _npz(tmp, codes=np.zeros(1)), "不是分拨模型文件"),
        (lambda tmp: _npz(tmp, header=np.array("[1]"), codes=np.zeros(1)), "不是分拨模型文件"),
        (
            lambda tmp: _npz(tmp, header=_header(format_version=2), **_parts()),
            "模型文件格式为第 2 版，本程序只能读取第 1 版，请用本程序重新训练",
        ),
        (lambda tmp: _npz(tmp, header=_header(), **_parts()), "模型文件内容不完整或已损坏"),
        (
            lambda tmp: _npz(
                tmp,
                header=_header(labels=["甲", "乙"], ngram_range=[1, 3], min_df=2, temperature=1, metadata={}),
                **_parts(),
            ),
            "模型文件内容不完整或已损坏",  # one row of weights for two labels
        ),
    ],
)
def test_load_refuses_what_is_not_one_of_our_models(make, message: str, tmp_path: Path) -> None:
    path = make(tmp_path)
    with pytest.raises(RoutingError, match=message) as caught:
        routing.load(path)
    assert str(caught.value).startswith(str(path))  # the file is named


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _zip_of_text() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


def _parts() -> dict[str, np.ndarray]:
    return {
        "codes": np.array([1, 2], dtype=np.int64),
        "idf": np.ones(2),
        "coef": np.ones((1, 2), dtype=np.float32),
        "intercept": np.zeros(1),
    }


def test_save_says_when_it_cannot_write(model: routing.TrainedModel, tmp_path: Path) -> None:
    with pytest.raises(RoutingError, match="无法写入模型文件"):
        routing.save(model, tmp_path / "no-such-folder" / "model.npz")
