"""Limit/offset pages for list endpoints: `{count, limit, offset, items}`."""

from collections.abc import Callable

from ninja import Schema


class Paged(Schema):
    count: int
    limit: int
    offset: int


def paginate(queryset, limit: int, offset: int, render: Callable | None = None, prepare=None):
    """One page of `queryset`; `prepare` runs once on the page's objects (bulk work),
    `render` on each."""
    count = queryset.count()
    # Past the end there is nothing (and a huge offset would overflow the database's integer).
    items = list(queryset[offset : offset + limit]) if offset < count else []
    if prepare is not None:
        prepare(items)
    if render is not None:
        items = [render(item) for item in items]
    return {"count": count, "limit": limit, "offset": offset, "items": items}
