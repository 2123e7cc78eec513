"""Helpers for tests of pages with charts: read a chart's figures as a person without JavaScript does."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any


class _ChartReader(HTMLParser):
    def __init__(self, chart_id: str) -> None:
        super().__init__()
        self.chart_id = chart_id
        self.depth = 0  # > 0 while inside the chart's <figure>
        self.in_table = False
        self.caption = ""
        self.options: dict[str, Any] | None = None
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "figure" and (self.depth or attributes.get("id") == self.chart_id):
            self.depth += 1
        if not self.depth:
            return
        if tag == "figcaption":
            self._in_caption = True
        elif tag == "div" and attributes.get("data-chart-options"):
            self.options = json.loads(attributes["data-chart-options"] or "{}")
        elif tag == "table":
            self.in_table = True
        elif tag == "tr" and self.in_table:
            self.rows.append([])
        elif tag in ("td", "th") and self.in_table:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        if tag == "figure":
            self.depth -= 1
        elif tag == "figcaption":
            self._in_caption = False
        elif tag == "table":
            self.in_table = False
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_caption:
            self.caption += data


def chart_figures(html: str, chart_id: str) -> list[list[str]]:
    """The rows of a chart's figure table (header first), as the page shows them without JavaScript;
    [] when the page has no such chart."""
    reader = _ChartReader(chart_id)
    reader.feed(html)
    return reader.rows


def chart_options(html: str, chart_id: str) -> dict[str, Any] | None:
    """The ECharts options the page hands to charts.js for that chart."""
    reader = _ChartReader(chart_id)
    reader.feed(html)
    return reader.options
