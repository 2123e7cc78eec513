"""What each app adds to the pages every role shares: its entries in the navigation bar and its items in
each person's to-do list (待办) on the home page.

core sits at the bottom and imports no app, so apps register here from their `AppConfig.ready()`:

    slots.add_nav("政策兑现", "entitlements:entitlement_list", "entitlements.view", order=40)
    slots.add_todos(todos_for)   # todos_for(user) -> Iterable[Todo]

and core's context processor and home page read what was registered. A to-do provider is called on
every home page load: keep it to a few counted queries over indexed columns, and return nothing for
roles it does not concern. The coming apps (appeals, inspections, evaluation, reforms) add theirs the
same way; docs/development.md ("The app template") shows the whole recipe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
