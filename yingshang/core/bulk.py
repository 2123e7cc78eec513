"""Bulk writes on PostgreSQL: rows streamed with COPY, the fastest way in (types adapted by psycopg)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def copy_rows(raw_cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY `rows` (values in `columns` order) into `table` through a psycopg cursor
    (`connection.cursor().cursor` in Django)."""
    names = ", ".join(f'"{column}"' for column in columns)
    with raw_cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
