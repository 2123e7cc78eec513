"""Paging of the JSON API, one way for every router: `?page=&page_size=`, and the total `count`.

    from yingshang.core.paging import MappedPage, PagePagination

    @router.get("/things", response=list[ThingOut])
    @paginate(PagePagination)
    def things(request): return MappedPage(queryset, thing_out)   # or the queryset itself

`PagePagination` slices and counts what the operation returns; `MappedPage` lets an operation hand it
a queryset and a function that turns one row into its output dict, so only one page of rows is
converted. (No `from __future__ import annotations` here: ninja reads the schemas at import time.)
"""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

__all__ = ["MAX_PAGE", "MAX_PAGE_SIZE", "PAGE_SIZE", "MappedPage", "PagePagination"]

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Bounded so that (page - 1) × page_size always fits a 64-bit OFFSET on SQLite and PostgreSQL.
MAX_PAGE = 1_000_000


class PagePagination(PaginationBase):
    """`?page=&page_size=`; the result says how many rows match in all (`count`)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="页码，从 1 开始")
        page_size: int = Field(
            PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=f"每页条数，最多 {MAX_PAGE_SIZE}"
        )

    class Output(Schema):
        items: list[Any]
        count: int = Field(..., description="符合条件的总条数")
        page: int
        page_size: int

    def paginate_queryset(
        self, queryset: QuerySet, pagination: Input, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        offset = (pagination.page - 1) * pagination.page_size
        return {
            "items": queryset[offset : offset + pagination.page_size],
            "count": queryset.count(),
            "page": pagination.page,
            "page_size": pagination.page_size,
        }


class MappedPage:
    """A queryset the paginator can slice and count, turned into output dicts one page at a time."""

    def __init__(self, queryset: QuerySet, convert: Callable[[Any], dict[str, Any]]) -> None:
        self.queryset, self.convert = queryset, convert

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return [self.convert(obj) for obj in self.queryset[page]]

    def count(self) -> int:
        return self.queryset.count()
