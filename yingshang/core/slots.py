"""What each app adds to the pages every role shares: its entries in the navigation bar, its items in
each person's to-do list (待办) and its figures on the home page, its section of an enterprise's page
(企业画像, registry's page) and its models in the audit log (变更审计, registry's page).

core sits at the bottom and imports no app, and registry imports none above it, so apps register here
from their `AppConfig.ready()`:

    slots.add_nav("政策兑现", "entitlements:entitlement_list", "entitlements.view", order=40)
    slots.add_todos(todos_for)   # todos_for(user) -> Iterable[Todo]
    slots.add_figures(home_figures)   # home_figures(user) -> Mapping: context of core/home_<role>.html
    slots.add_enterprise_section("policies/_enterprise_section.html", section)  # section(request, enterprise)
    slots.add_audited("holiday_year", "节假日安排", HolidayYear)   # a model with simple-history

and core's context processor, the home page, the enterprise page and the audit log read what was
registered. A to-do provider is called on
every home page load: keep it to a few counted queries over indexed columns, and return nothing for
roles it does not concern. The coming apps (appeals, inspections, evaluation, reforms) add theirs the
same way; docs/development.md ("The app template") shows the whole recipe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str | None  # None: a room still being built, shown greyed out
    capability: str | None  # who sees it (core.roles); None: everyone logged in
    order: int


@dataclass(frozen=True)
class Todo:
    """One line of a person's to-do list: what waits, how many, and where to go to do it."""

    label: str  # "待审核的政策兑现事项"
    count: int
    url: str
    urgent: bool = False  # overdue or past a deadline: shown first and marked


TodoProvider = Callable[[Any], Iterable[Todo]]

_nav: list[NavEntry] = []
_todo_providers: list[TodoProvider] = []


def add_nav(label: str, url_name: str | None, capability: str | None, *, order: int) -> None:
    """An entry in the navigation bar; `order` places it (core's own entries use 0–9 and 90–99)."""
    entry = NavEntry(label, url_name, capability, order)
    if entry not in _nav:  # ready() may run twice in tests that reload apps
        _nav.append(entry)


def nav_entries() -> list[NavEntry]:
    return sorted(_nav, key=lambda entry: entry.order)


def add_todos(provider: TodoProvider) -> None:
    """A function user -> to-dos; called on each home page load."""
    if provider not in _todo_providers:
        _todo_providers.append(provider)


def todos_for(user: Any) -> list[Todo]:
    """Everything waiting for `user`, urgent first, only lines with something to do."""
    found = [todo for provider in _todo_providers for todo in provider(user) if todo.count > 0]
    return sorted(found, key=lambda todo: not todo.urgent)


# ---- home-page figures -------------------------------------------------------------------------------

FigureProvider = Callable[[Any], Mapping[str, object]]
_figure_providers: list[FigureProvider] = []


def add_figures(provider: FigureProvider) -> None:
    """A function user -> template context for the home page (e.g. {"entity_count": 12}); it returns
    an empty mapping for roles it does not concern."""
    if provider not in _figure_providers:
        _figure_providers.append(provider)


def figures_for(user: Any) -> dict[str, object]:
    """Every provider's figures for `user`, merged (a later provider wins on a shared name)."""
    figures: dict[str, object] = {}
    for provider in _figure_providers:
        figures.update(provider(user))
    return figures


# ---- sections of the enterprise page -----------------------------------------------------------------

SectionProvider = Callable[[Any, Any], Mapping[str, object]]  # (request, enterprise) -> context


@dataclass(frozen=True)
class EnterpriseSection:
    template: str  # included on the page; reads the provider's context
    provider: SectionProvider


_sections: list[EnterpriseSection] = []


def add_enterprise_section(template: str, provider: SectionProvider) -> None:
    """A part of the enterprise page: `template` is included with the page's context plus what
    `provider(request, enterprise)` returns (an empty mapping when the viewer may not see it).
    Sections show in registration order (INSTALLED_APPS order); the same template again replaces."""
    _sections[:] = [s for s in _sections if s.template != template]
    _sections.append(EnterpriseSection(template, provider))


def enterprise_sections(request: Any, enterprise: Any) -> tuple[list[str], dict[str, object]]:
    """The templates to include, in order, and the context they read (every provider's, merged)."""
    context: dict[str, object] = {}
    for section in _sections:
        context.update(section.provider(request, enterprise))
    return [s.template for s in _sections], context


# ---- models in the audit log -------------------------------------------------------------------------

_audited: dict[str, tuple[str, Any]] = {}


def add_audited(kind: str, label: str, model: Any) -> None:
    """Show `model`'s change history (a simple-history `history` manager) in the audit log under
    `label`; `kind` is the page's `?kind=` filter value. Kinds are listed in registration order."""
    if not hasattr(model, "history"):
        raise ValueError(f"{model.__name__} has no change history to audit")
    _audited[kind] = (label, model)


def audited() -> dict[str, tuple[str, Any]]:
    """kind -> (label, model), in registration order."""
    return dict(_audited)
