"""The sections other apps add to an enterprise's page (企业画像, `registry:enterprise_detail`).

The page belongs to registry, but what an enterprise is entitled to, its appeals, its inspections
and its ratings belong to the apps above it. Each such app registers a section in its
`AppConfig.ready()`: a template, included on the page, and a provider
`provider(request, enterprise) -> Mapping[str, object]` whose context the template reads. A provider
returns an empty mapping when the viewer may not see its part (the template then shows nothing).
Sections appear in registration order, which is the order of INSTALLED_APPS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

SectionProvider = Callable[[HttpRequest, Any], Mapping[str, object]]


@dataclass(frozen=True)
class Section:
    template: str
    provider: SectionProvider


_sections: list[Section] = []


def register_section(template: str, provider: SectionProvider) -> None:
    """Add a section to the enterprise page; registering the same template again replaces it."""
    _sections[:] = [s for s in _sections if s.template != template]
    _sections.append(Section(template, provider))


def sections_for(request: HttpRequest, enterprise: Any) -> tuple[list[str], dict[str, object]]:
    """The templates to include, in order, and the context they read (every provider's, merged)."""
    context: dict[str, object] = {}
    for section in _sections:
        context.update(section.provider(request, enterprise))
    return [s.template for s in _sections], context
