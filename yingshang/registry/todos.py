"""The registry's line in a person's to-do list: name-list uploads previewed but not yet confirmed."""

from __future__ import annotations

from django.urls import reverse

from yingshang.core.scope import scoped
from yingshang.core.slots import Todo
from yingshang.registry.models import ImportBatch, User


def todos_for(user: User) -> list[Todo]:
    if not user.is_authenticated or not user.can("registry.import"):
        return []
    waiting = scoped(ImportBatch.objects.filter(uploaded_by=user, state="previewed"), user)
    count = waiting.count()
    only = waiting.first() if count == 1 else None
    url = reverse("registry:import_batch", args=[only.pk]) if only else reverse("registry:import_upload")
    return [Todo("已预览、待确认导入的企业名录", count, url)]
