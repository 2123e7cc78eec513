"""What the home page shows, filled in by the apps above core.

Core is the bottom layer and imports no app, yet each role's home page (`core.views.home`, templates
`core/home_<role>.html`) shows the apps' figures: how many enterprises the user may see, the latest
imports, and each role's to-do list. An app contributes by registering providers in its
`AppConfig.ready()` (the providers live in the app's `pages.py`):

    def ready(self) -> None:
        # imported in ready(): the providers read the app's models, loaded only once apps are ready
        from yingshang.registry import pages

        homepage.register_figure(pages.home_figures)

- a figure provider `provider(user) -> Mapping[str, object]` returns template context for the home
  page (e.g. `{"entity_count": 12}`), or an empty mapping when it has nothing for this user's role;
- a to-do provider `provider(user) -> Iterable[Todo]` returns the user's open work (what to accept,
  what is due); the home page lists them in registration order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Todo:
    """One line of a user's to-do list: what, how many, and where to do it."""

    label: str  # e.g. "待受理诉求"
    count: int
    url: str
    overdue: int = 0  # how many of `count` are past their deadline


FigureProvider = Callable[[Any], Mapping[str, object]]
TodoProvider = Callable[[Any], Iterable[Todo]]

_figures: list[FigureProvider] = []
_todos: list[TodoProvider] = []


def register_figure(provider: FigureProvider) -> FigureProvider:
    """Add home-page figures; registering the same provider again changes nothing."""
    if provider not in _figures:
        _figures.append(provider)
    return provider


def register_todo(provider: TodoProvider) -> TodoProvider:
    """Add a source of to-do lines; registering the same provider again changes nothing."""
    if provider not in _todos:
        _todos.append(provider)
    return provider


def figures_for(user: Any) -> dict[str, object]:
    """Every provider's figures for `user`, merged (a later provider wins on a shared name)."""
    context: dict[str, object] = {}
    for provider in _figures:
        context.update(provider(user))
    return context


def todos_for(user: Any) -> list[Todo]:
    """Every provider's to-do lines for `user` that have something to do."""
    return [todo for provider in _todos for todo in provider(user) if todo.count]
