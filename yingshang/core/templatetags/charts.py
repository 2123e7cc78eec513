"""`{% load charts %}`: `{% chart c %}` draws a core.charts.Chart; `{% chart_scripts %}` loads ECharts.

    {% block head %}{{ block.super }}{% chart_scripts %}{% endblock %}
    …
    {% for c in charts %}{% chart c %}{% endfor %}

The chart's options travel as JSON in a data attribute (escaped by the template), and its figures as a
table in the same <figure>: no inline script, so a Content-Security-Policy without 'unsafe-inline'
holds; core/static/core/charts.js draws every chart once the page has loaded.
"""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from yingshang.core.charts import Chart

register = template.Library()

ECHARTS = "core/vendor/echarts/echarts.min.js"
CHARTS = "core/charts.js"


@register.inclusion_tag("core/chart.html")
def chart(chart: Chart) -> dict[str, Any]:
    options = json.dumps(chart.option, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return {"chart": chart, "options": options}


@register.simple_tag
def chart_scripts() -> str:
    """The two scripts a page with charts needs, deferred so the page shows (with its tables) first."""
    return format_html(
        '<script src="{}" defer></script><script src="{}" defer></script>', static(ECHARTS), static(CHARTS)
    )
