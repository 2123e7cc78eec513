"""The routing model in use: training one from the office's labelled history in the background,
activating it, and proposing categories for a new appeal (the engine is `appeals.routing`).

Training is a city-level function (one model for the city); a district's office reads the models. The
uploaded history and each trained model are files under MEDIA_ROOT/appeals/routing/; the row keeps the
report, the version and whether it is the one in use.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from yingshang.appeals import routing
from yingshang.appeals.models import Category, RoutingModel
from yingshang.appeals.services.common import AppealRefused
from yingshang.appeals.training import read_rows
from yingshang.core import clock
from yingshang.core.scope import can
from yingshang.core.workers import fail_dead_jobs, worker_id
from yingshang.registry.models import User

logger = logging.getLogger(__name__)
OPEN_STATES = ("queued", "running")
TRAINING_SUFFIXES = (".csv", ".xlsx")


def routing_folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "appeals" / "routing"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _require_city_office(by: User) -> None:
    if not can(by, "appeals.dispatch") or by.jurisdiction is not None:
        raise AppealRefused("分拨模型全市统一，只有市营商办可以训练和启用")


def fail_dead_trainings() -> int:
    return fail_dead_jobs(RoutingModel.objects.all(), lambda why: f"训练中断：{why}。可以重新提交训练")


def queue_training(
    upload: UploadedFile, *, text_columns: list[str], label_column: str, by: User
) -> RoutingModel:
    """Store the uploaded history and queue its training; one training at a time."""
    _require_city_office(by)
    name = Path(upload.name or "history.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in TRAINING_SUFFIXES:
        raise AppealRefused(f"“{name}”不是 .csv 或 .xlsx 文件")
    if not text_columns or not label_column.strip():
        raise AppealRefused("请填写文本列（可多个，用逗号分隔）和类别列的列名")
    fail_dead_trainings()
    with transaction.atomic():
        busy = RoutingModel.objects.select_for_update().filter(state__in=OPEN_STATES).first()
        if busy is not None:
            raise AppealRefused("已有一个分拨模型正在训练，请等它完成后再提交")
        path = routing_folder() / f"data-{uuid.uuid4().hex}{suffix}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        return RoutingModel.objects.create(
            source_name=name[:200],
            data_path=str(path),
            text_columns=text_columns,
            label_column=label_column.strip(),
            created_by=by,
            progress="排队中，等待开始",
        )


class _Progress:
    def __init__(self, job_id: int) -> None:
        self.job_id, self.last = job_id, 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.5 and done < total:
            return
        self.last = now
        step = f"交叉验证第 {done}/{total - 1} 折" if done < total - 1 else "用全部数据训练"
        RoutingModel.objects.filter(pk=self.job_id).update(progress=step, heartbeat_at=clock.now())


def execute_training(job_id: int) -> RoutingModel:
    """Train a queued model (what the background task runs); the row ends done or failed."""
    claimed = RoutingModel.objects.filter(pk=job_id, state="queued").update(
        state="running", progress="读取训练数据", worker=worker_id(), heartbeat_at=clock.now()
    )
    job = RoutingModel.objects.get(pk=job_id)
    if not claimed:
        return job
    try:
        rows = read_rows(
            Path(job.data_path),
            job.text_columns,
            job.label_column,
            max_bytes=settings.ROUTING_TRAINING_MAX_BYTES,
            name=job.source_name,
        )
        model = routing.train(
            rows.texts(),
            rows.labels(),
            rows=rows.numbers(),
            trained_at=clock.now().isoformat(),
            progress=_Progress(job_id),
        )
        path = routing_folder() / f"model-{model.version}.npz"
        routing.save(model, path)
    except routing.RoutingError as exc:
        _finish(job_id, state="failed", error=str(exc))
    except Exception as exc:  # the row must not stay 训练中 whatever went wrong; the log has the trace
        logger.exception("分拨模型训练失败（%s）", job_id)
        _finish(job_id, state="failed", error=f"训练失败：{exc}")
    else:
        report = model.metadata["report"]
        RoutingModel.objects.filter(pk=job_id).update(
            state="done",
            progress=f"已完成：宏平均 F1 {model.report.macro_f1:.3f}（{model.report.n_samples:,} 条）",
            version=model.version,
            model_path=str(path),
            labels=model.labels,
            report=report,
            macro_f1=model.report.macro_f1,
            n_samples=model.report.n_samples,
            finished_at=clock.now(),
        )
    return RoutingModel.objects.get(pk=job_id)


def _finish(job_id: int, *, state: str, error: str) -> None:
    RoutingModel.objects.filter(pk=job_id).update(
        state=state, error=error[:2000], progress="失败", finished_at=clock.now()
    )


def unmatched_labels(job: RoutingModel) -> list[str]:
    """The model's classes that name no active category (by name or code): they can be proposed but
    never dispatched directly until the category table has them."""
    known = set(Category.objects.filter(is_active=True).values_list("name", flat=True))
    known |= set(Category.objects.filter(is_active=True).values_list("code", flat=True))
    return [label for label in job.labels if label not in known]


def activate_model(job: RoutingModel, *, by: User) -> RoutingModel:
    """The model proposes categories for new appeals from now on (the one in use before stops)."""
    _require_city_office(by)
    if job.state != "done":
        raise AppealRefused("只能启用训练完成的模型")
    with transaction.atomic():
        RoutingModel.objects.filter(is_active=True).exclude(pk=job.pk).update(is_active=False)
        RoutingModel.objects.filter(pk=job.pk).update(is_active=True, activated_at=clock.now())
    return RoutingModel.objects.get(pk=job.pk)


# --- proposing ----------------------------------------------------------------------------------------


@dataclass
class _Loaded:
    key: tuple[int, str]
    model: routing.TrainedModel


_loaded: _Loaded | None = None
_lock = threading.Lock()


def _active() -> _Loaded | None:
    """The model in use, loaded once per process (again when another is activated)."""
    global _loaded
    row = RoutingModel.objects.filter(is_active=True).values_list("pk", "version", "model_path").first()
    if row is None:
        return None
    pk, version, path = row
    with _lock:
        if _loaded is None or _loaded.key != (pk, version):
            try:
                model = routing.load(path)
            except routing.RoutingError:
                logger.exception("分拨模型 %s 无法读取", version)
                return None
            _loaded = _Loaded((pk, version), model)
        return _loaded


def propose(text: str) -> tuple[list[tuple[str, float]], str]:
    """The active model's three likeliest categories (by code) with their confidence, and its version;
    nothing when no model is in use or the text is empty."""
    loaded = _active()
    if loaded is None or not routing.normalize_text(text):
        return [], ""
    prediction = loaded.model.predict([text])[0]
    # A class label names a category by its name (or is its code); read now, the table may have changed.
    codes = dict(Category.objects.values_list("name", "code"))
    return [
        (codes.get(label, label), confidence) for label, confidence in prediction.top3
    ], loaded.model.version
