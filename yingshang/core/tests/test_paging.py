"""API paging (core.paging): one `?page=&page_size=` for every router, with the total count."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from yingshang.core.paging import MAX_PAGE, MAX_PAGE_SIZE, PAGE_SIZE, MappedPage, PagePagination
from yingshang.registry.models import Industry

pytestmark = pytest.mark.django_db


def industries():
    """A real table the data migrations fill (GB/T 4754-2017), in a stable order."""
    return Industry.objects.order_by("code")


@pytest.mark.parametrize(
    ("page", "page_size", "first", "size"),
    [(1, 10, 0, 10), (2, 10, 10, 10), (3, 7, 14, 7), (1, PAGE_SIZE, 0, PAGE_SIZE), (10**5, 10, None, 0)],
)
def test_a_page_is_the_slice_it_names_and_says_the_total(page, page_size, first, size):
    codes = list(industries().values_list("code", flat=True))
    pagination = PagePagination.Input(page=page, page_size=page_size)
    result = PagePagination().paginate_queryset(industries(), pagination, request=None)
    expected = [] if first is None else codes[first : first + size]
    assert [i.code for i in result["items"]] == expected
    assert (result["count"], result["page"], result["page_size"]) == (len(codes), page, page_size)


def test_the_defaults_are_the_first_page_of_fifty():
    assert PagePagination.Input().page == 1
    assert PagePagination.Input().page_size == PAGE_SIZE == 50


@pytest.mark.parametrize(
    "values", [{"page": 0}, {"page": MAX_PAGE + 1}, {"page_size": 0}, {"page_size": MAX_PAGE_SIZE + 1}]
)
def test_pages_outside_the_bounds_are_refused(values):
    with pytest.raises(ValidationError):
        PagePagination.Input(**values)


def test_a_mapped_page_converts_only_the_rows_of_its_page():
    converted = []

    def convert(industry):
        converted.append(industry.code)
        return {"code": industry.code}

    mapped = MappedPage(industries(), convert)
    result = PagePagination().paginate_queryset(
        mapped, PagePagination.Input(page=2, page_size=3), request=None
    )
    codes = list(industries().values_list("code", flat=True))
    assert result["items"] == [{"code": c} for c in codes[3:6]]
    assert converted == codes[3:6]
    assert result["count"] == mapped.count() == len(codes)
