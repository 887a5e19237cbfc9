"""The alignment map: one branch of the tree drawn as boxes and lines (SVG, server-side).

The chosen objective sits in the middle, the objectives it aligns to form a chain to its
left up to the top, and its aligned objectives spread to the right a few levels deep.
Only objectives the viewer may see are drawn; the drawing stops at MAX_NODES boxes and says
how many more there are. Queries: one per level above and two per level below.
"""

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber

from stretch import access
from stretch.okrs import rollup
from stretch.okrs.alignment import level, owner, queryset, rank, sort_key
from stretch.okrs.models import Cycle, Objective

DEPTH = 3  # levels of aligned objectives drawn below the chosen one
MAX_NODES = 40  # boxes drawn at most, the chain above included
MAX_ANCESTORS = 12

# Sizes in pixels; four levels fit the page's width without scrolling.
BOX_WIDTH, BOX_HEIGHT = 196, 80
MORE_WIDTH, MORE_HEIGHT = 140, 28
COLUMN = BOX_WIDTH + 36  # from one level's left edge to the next one's
ROW = BOX_HEIGHT + 14
MARGIN = 8
BAR_WIDTH = 130
TITLE_WIDTH = 23  # Latin letters of bold 13px text that fit a line of a box


def _units(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def clip(text: str, width: int) -> str:
    """`text` cut to about `width` Latin letters; a Chinese character counts as two."""
    used = 0
    for index, char in enumerate(text):
        used += _units(char)
        if used > width:
            return text[: max(index - 1, 1)].rstrip() + "…"
    return text


def wrap(text: str, width: int = TITLE_WIDTH, lines: int = 2) -> list[str]:
    """`text` in at most `lines` lines of about `width` letters, broken between words
    where there are spaces (Chinese has none), the last line clipped."""
    out: list[str] = []
    rest = text.strip()
    while rest and len(out) < lines:
        used, cut = 0, len(rest)
        for index, char in enumerate(rest):
            used += _units(char)
            if used > width:
                cut = index
                break
        space = rest.rfind(" ", 0, cut + 1) if cut < len(rest) else -1
        if space > 0:
            cut = space
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        out[-1] = clip(f"{out[-1]} {rest}", width)
    return out


@dataclass
class Box:
    """One objective drawn on the map, or (objective None) an "and N more" marker."""

    objective: Objective | None
    column: int
    focus: bool = False
    children: list["Box"] = field(default_factory=list)
    hidden: int = 0  # visible aligned objectives not drawn below this one
    x: int = 0
    y: int = 0

    @property
    def width(self) -> int:
        return BOX_WIDTH if self.objective is not None else MORE_WIDTH

    @property
    def height(self) -> int:
        return BOX_HEIGHT if self.objective is not None else MORE_HEIGHT

    @property
    def title_lines(self) -> list[str]:
        return wrap(self.objective.title) if self.objective else []

    @property
    def owner(self) -> dict:
        return owner(self.objective) if self.objective else {}

    @property
    def owner_short(self) -> str:
        return clip(self.owner.get("name", ""), 28)

    @property
    def level(self) -> str:
        return level(self.objective) if self.objective else "more"

    @property
    def bar(self) -> float:
        return round(BAR_WIDTH * self.objective.progress, 1) if self.objective else 0.0

    @property
    def half(self) -> int:
        return self.width // 2

    @property
    def middle(self) -> int:
        return self.y + self.height // 2


@dataclass
class Edge:
    path: str
    more: bool = False


@dataclass
class BranchMap:
    focus: Box
    ancestors: list[Box]  # from the top down to the focus's parent
    boxes: list[Box]
    edges: list[Edge]
    width: int
    height: int
    hidden: int  # visible aligned objectives below the drawn ones, not drawn
    drawn_below: int

    @property
    def top(self) -> Box:
        return self.ancestors[0] if self.ancestors else self.focus


def _overlapping(cycle: Cycle) -> list[int]:
    """Cycles that share days with `cycle`: its year, its quarters, itself."""
    found = Cycle.objects.filter(start__lte=cycle.end, end__gte=cycle.start)
    return list(found.values_list("id", flat=True))


def _visible_below(user, cycles: list[int]) -> QuerySet[Objective]:
    return access.objectives_visible_to(user, queryset()).filter(cycle_id__in=cycles)


def _ancestors(user, objective: Objective) -> list[Objective]:
    """The visible chain above `objective`, top first; it stops at one the viewer can't see."""
    chain: list[Objective] = []
    parent_id = objective.parent_id
    seen = {objective.pk}
    while parent_id is not None and parent_id not in seen and len(chain) < MAX_ANCESTORS:
        parent = access.objectives_visible_to(user, queryset()).filter(pk=parent_id).first()
        if parent is None:
            break
        chain.append(parent)
        seen.add(parent.pk)
        parent_id = parent.parent_id
    return chain[::-1]


def _descendants(user, focus: Box, cycles: list[int], room: int) -> list[Box]:
    """Up to `room` boxes below `focus`, breadth first, each level read in two queries."""
    drawn: list[Box] = []
    frontier = [focus]
    for depth in range(1, DEPTH + 2):
        if not frontier:
            break
        ids = [box.objective.pk for box in frontier if box.objective]
        counts = dict(
            _visible_below(user, cycles)
            .filter(parent_id__in=ids)
            .order_by()
            .values("parent_id")
            .annotate(n=Count("id"))
            .values_list("parent_id", "n")
        )
        for box in frontier:
            box.hidden = counts.get(box.objective.pk if box.objective else 0, 0)
        if depth > DEPTH or room <= 0:
            break
        numbered = (
            _visible_below(user, cycles)
            .filter(parent_id__in=ids)
            .annotate(
                row=Window(RowNumber(), partition_by=[F("parent_id")], order_by=[rank(), F("pk")])
            )
            .filter(row__lte=room)
        )
        by_parent: dict[int, list[Objective]] = defaultdict(list)
        for child in sorted(numbered, key=sort_key):
            if child.parent_id is not None:
                by_parent[child.parent_id].append(child)
        next_frontier = []
        for box in frontier:
            for below in by_parent[box.objective.pk if box.objective else 0]:
                if room <= 0:
                    break
                new = Box(below, column=box.column + 1)
                box.children.append(new)
                box.hidden -= 1
                drawn.append(new)
                next_frontier.append(new)
                room -= 1
        frontier = next_frontier
    return drawn


def _place(box: Box, next_row: list[int]) -> None:
    """Lay out `box`'s subtree: leaves take the next free row, a parent sits beside the
    middle of its children; "and N more" markers are half-height leaves."""
    box.x = MARGIN + box.column * COLUMN
    if box.hidden and box.objective is not None:
        box.children.append(Box(None, column=box.column + 1, hidden=box.hidden))
    for child in box.children:
        _place(child, next_row)
    if box.children:
        first, last = box.children[0], box.children[-1]
        box.y = (first.middle + last.middle) // 2 - box.height // 2
    else:
        box.y = next_row[0]
        next_row[0] += ROW if box.objective is not None else MORE_HEIGHT + 12


def _edge(parent: Box, child: Box) -> Edge:
    x1, y1 = parent.x + parent.width, parent.middle
    x2, y2 = child.x, child.middle
    bend = (x1 + x2) // 2
    return Edge(f"M{x1},{y1} C{bend},{y1} {bend},{y2} {x2},{y2}", more=child.objective is None)


def draw(user, objective: Objective, cycle: Cycle) -> BranchMap:
    """The map of `objective` (which the caller checked the viewer may see); aligned
    objectives are those of cycles overlapping `cycle`."""
    chain = _ancestors(user, objective)
    ancestors = [Box(o, column=index) for index, o in enumerate(chain)]
    focus = Box(objective, column=len(chain), focus=True)
    room = MAX_NODES - len(ancestors) - 1
    below = _descendants(user, focus, _overlapping(cycle), room)
    rollup.annotate([*chain, objective, *(box.objective for box in below if box.objective)])

    hidden = focus.hidden + sum(box.hidden for box in below)
    next_row = [MARGIN]
    _place(focus, next_row)
    for box in ancestors:
        box.x, box.y = MARGIN + box.column * COLUMN, focus.y
    boxes: list[Box] = [*ancestors]
    edges: list[Edge] = [_edge(a, b) for a, b in pairwise([*ancestors, focus])]
    stack = [focus]
    while stack:
        box = stack.pop()
        boxes.append(box)
        for child in box.children:
            edges.append(_edge(box, child))
            stack.append(child)
    width = max(b.x + b.width for b in boxes) + MARGIN
    height = max(next_row[0], focus.y + BOX_HEIGHT + MARGIN)
    return BranchMap(
        focus=focus,
        ancestors=ancestors,
        boxes=boxes,
        edges=edges,
        width=width,
        height=height,
        hidden=hidden,
        drawn_below=len(below),
    )
