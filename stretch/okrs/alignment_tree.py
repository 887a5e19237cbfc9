"""The alignment tree of the company page: the first two levels at once, the rest when a
node is opened.

A company of 30,000 objectives cannot send them all. `company_tree` returns the top two
levels grouped by strategy pillar, each node with the number of aligned objectives below it;
`children` returns one node's aligned objectives when the reader opens it. Both run a fixed
number of queries whatever the tree's size, and show only what the viewer may see.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from stretch import access, caching
from stretch.okrs import rollup
from stretch.okrs.alignment import (
    LEVEL_ORDER,
    child_counts,
    cycle_ids,
    in_cycle,
    level,
    owner,
    queryset,
    rank,
    sort_key,
)
from stretch.okrs.models import Cycle, Objective
from stretch.org.models import StrategyPillar

ROOT_LIMIT = 50  # top-level objectives shown per pillar before "show more"
CHILD_LIMIT = 50  # aligned objectives shown below one objective before "show more"
MAX_FRAME_LEVELS = 10  # enclosing objectives looked up above a cycle's top objectives


@dataclass
class Node:
    """One objective of the tree, with the aligned objectives shown below it (if any).

    `child_count` counts the aligned objectives of the cycle the viewer may see; `more` is
    how many of them are not in `children` (past the limit, or all when none are loaded).
    """

    objective: Objective
    context: bool = False  # of an enclosing cycle, shown to frame the cycle's objectives
    children: list["Node"] = field(default_factory=list)
    child_count: int = 0
    shown: int = 0  # how many of the cycle's aligned objectives are in `children`

    @property
    def id(self) -> int:
        return self.objective.pk

    @property
    def title(self) -> str:
        return self.objective.title

    @property
    def owner(self) -> dict:
        return owner(self.objective)

    @property
    def level(self) -> str:
        return level(self.objective)

    @property
    def progress(self) -> float:
        return self.objective.progress

    @property
    def expected(self) -> float:
        return self.objective.expected_progress

    @property
    def health(self) -> str:
        return self.objective.health

    @property
    def lazy(self) -> bool:
        """Aligned objectives exist but are fetched only when the node is opened."""
        return bool(self.child_count) and not self.children

    @property
    def more(self) -> int:
        return max(0, self.child_count - self.shown)

    @property
    def total(self) -> int:
        """Everything below: the frames and objectives shown, and those not loaded yet."""
        return len(self.children) + self.more


@dataclass
class Group:
    """The top of the tree for one strategy pillar (`pillar` None: objectives without one)."""

    pillar: StrategyPillar | None
    nodes: list[Node]
    total: int
    offset: int = 0
    # Objectives that name this pillar but align below another pillar's objectives.
    elsewhere: list[Objective] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.pillar.name if self.pillar else _("No strategy pillar")

    @property
    def key(self) -> str:
        return str(self.pillar.pk) if self.pillar else "none"

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.nodes)

    @property
    def more(self) -> int:
        return max(0, self.total - self.next_offset)


def _first_children(user, ids: set[int], parent_ids: Iterable[int]) -> dict[int, list[Objective]]:
    """The first CHILD_LIMIT aligned objectives of each parent, in one query."""
    numbered = (
        in_cycle(user, ids)
        .filter(parent_id__in=list(parent_ids))
        .annotate(
            row=Window(RowNumber(), partition_by=[F("parent_id")], order_by=[rank(), F("pk")])
        )
        .filter(row__lte=CHILD_LIMIT)
    )
    found: dict[int, list[Objective]] = defaultdict(list)
    for child in sorted(numbered, key=sort_key):
        if child.parent_id is not None:
            found[child.parent_id].append(child)
    return found


def _with_children(user, ids: set[int], parents: list[Objective]) -> dict[int, Node]:
    """Nodes for `parents` with their first aligned objectives loaded one level deep."""
    below = _first_children(user, ids, [p.pk for p in parents])
    grandchildren = [c for p in parents for c in below[p.pk]]
    counts = child_counts(user, ids, [o.pk for o in [*parents, *grandchildren]])
    rollup.annotate([*parents, *grandchildren])
    nodes = {}
    for parent in parents:
        first = [Node(c, child_count=counts.get(c.pk, 0)) for c in below[parent.pk]]
        nodes[parent.pk] = Node(
            parent, children=first, child_count=counts.get(parent.pk, 0), shown=len(first)
        )
    return nodes


@dataclass(frozen=True, slots=True)
class Private:
    """What decides who may see a private objective (see `access.can_view_objective`)."""

    pk: int
    owner_person_id: int | None
    owner_team_id: int | None
    visibility: str = Objective.Visibility.PRIVATE


def private_objectives() -> list[Private]:
    """Every private objective, cached: which of them a viewer may see names their tree."""

    def build() -> list[Private]:
        rows = Objective.objects.filter(visibility=Objective.Visibility.PRIVATE)
        return [Private(*row) for row in rows.values_list("pk", "owner_person_id", "owner_team_id")]

    return caching.cached(("private-objectives",), build)


def company_tree(user, cycle: Cycle, *, pillar: str | None = None, offset: int = 0) -> list[Group]:
    """The top two levels of the tree, grouped by pillar; `pillar` ("3" or "none") and
    `offset` ask for one pillar's next top-level objectives instead.

    Cached for everyone who may see the same objectives: the public ones and the same
    private ones (the tree shows nothing else that depends on the viewer).
    """
    if not caching.active() or not user.is_authenticated:
        return _company_tree(user, cycle, pillar=pillar, offset=offset)
    sees = caching.visible_key(user, private_objectives())
    return caching.cached(
        ("company-tree", cycle.pk, pillar or "", offset, sees),
        lambda: _company_tree(user, cycle, pillar=pillar, offset=offset),
    )


def _company_tree(user, cycle: Cycle, *, pillar: str | None, offset: int) -> list[Group]:
    ids = cycle_ids(cycle)
    # The cycle's top: objectives aligned to nothing, to one the viewer may not see, or to
    # one of an enclosing cycle. Only their ids are read here; most objectives are below.
    rows = list(
        in_cycle(user, ids)
        .filter(
            Q(parent__isnull=True)
            | Q(parent__visibility=Objective.Visibility.PRIVATE)
            | ~Q(parent__cycle_id__in=ids)
        )
        .annotate(rank=rank())
        .values_list("pk", "parent_id", "parent__cycle_id", "pillar_id", "rank")
    )
    seen = access.visible_ids(user, {row[1] for row in rows if row[1] is not None})
    tops: list[tuple[int, int, int | None]] = []  # (rank, id, pillar) of unframed tops
    framed: dict[int, list[tuple[int, int]]] = defaultdict(list)  # frame id -> (rank, id)
    for pk, parent, parent_cycle, pillar_id, order in rows:
        if parent is None or parent not in seen:
            tops.append((order, pk, pillar_id))
        elif parent_cycle not in ids:
            framed[parent].append((order, pk))

    frames: dict[int, Objective] = {}
    missing = set(framed)
    for _level_up in range(MAX_FRAME_LEVELS):
        if not missing:
            break
        found = list(access.objectives_visible_to(user, queryset()).filter(pk__in=missing))
        frames.update((o.pk, o) for o in found)
        missing = {o.parent_id for o in found if o.parent_id and o.parent_id not in frames}
    frame_children: dict[int | None, list[Objective]] = defaultdict(list)
    for frame in frames.values():
        frame_children[frame.parent_id if frame.parent_id in frames else None].append(frame)

    entries: dict[int | None, list[tuple[int, int, Objective | None]]] = defaultdict(list)
    for top_rank, top_id, top_pillar in tops:
        entries[top_pillar].append((top_rank, top_id, None))
    for frame in frame_children[None]:
        entries[frame.pillar_id].append((LEVEL_ORDER[level(frame)], frame.pk, frame))

    pillars = list(StrategyPillar.objects.all())
    known = {p.pk for p in pillars}
    for stray in [k for k in entries if k is not None and k not in known]:
        entries[None].extend(entries.pop(stray))
    wanted: list[tuple[StrategyPillar | None, list]] = [(p, sorted(entries[p.pk])) for p in pillars]
    if entries[None]:
        wanted.append((None, sorted(entries[None])))
    if pillar is not None:
        wanted = [(p, e) for p, e in wanted if (str(p.pk) if p else "none") == pillar]

    # What this page shows: a slice of each pillar's top, and below each frame its
    # frames and first CHILD_LIMIT objectives of the cycle.
    pages = [(p, e[offset : offset + ROOT_LIMIT], len(e)) for p, e in wanted]
    load: set[int] = set()
    used_frames: list[Objective] = []

    def collect(frame: Objective) -> None:
        used_frames.append(frame)
        load.update(pk for _order, pk in sorted(framed[frame.pk])[:CHILD_LIMIT])
        for child in frame_children[frame.pk]:
            collect(child)

    for _p, page, _total in pages:
        for _order, pk, frame in page:
            if frame is None:
                load.add(pk)
            else:
                collect(frame)
    loaded = sorted(in_cycle(user, ids).filter(pk__in=load), key=sort_key)
    nodes = _with_children(user, ids, loaded)
    rollup.annotate(used_frames)

    def frame_node(frame: Objective) -> Node:
        inner = [frame_node(f) for f in sorted(frame_children[frame.pk], key=sort_key)]
        first = [pk for _order, pk in sorted(framed[frame.pk])[:CHILD_LIMIT]]
        inner += [nodes[pk] for pk in first if pk in nodes]
        return Node(
            frame,
            context=True,
            children=inner,
            child_count=len(framed[frame.pk]),
            shown=len(first),
        )

    groups = [
        Group(
            pillar=p,
            nodes=[frame_node(f) if f else nodes[pk] for _r, pk, f in page if f or pk in nodes],
            total=total,
            offset=offset,
        )
        for p, page, total in pages
    ]
    if pillar is None:
        _cross_reference(groups)
    return groups


def _cross_reference(groups: list[Group]) -> None:
    """List in each pillar the objectives naming it that sit in another pillar's branch."""
    by_pillar = {g.pillar.pk: g for g in groups if g.pillar is not None}

    def walk(node: Node, home: int | None) -> None:
        for child in node.children:
            named = child.objective.pillar_id
            if named is not None and named != home and named in by_pillar:
                by_pillar[named].elsewhere.append(child.objective)
            walk(child, home)

    for group in groups:
        for node in group.nodes:
            walk(node, group.pillar.pk if group.pillar else None)


@dataclass
class Branch:
    """A page of one objective's aligned objectives in the cycle, each with its own below."""

    parent: Objective
    nodes: list[Node]
    total: int
    offset: int

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.nodes)

    @property
    def more(self) -> int:
        return max(0, self.total - self.next_offset)


def children(user, cycle: Cycle, parent: Objective, *, offset: int = 0) -> Branch:
    """The aligned objectives of `parent` in the cycle that the viewer may see, from `offset`.

    Each comes with the count of its own aligned objectives, so the reader knows which
    nodes open further. The caller checks that the viewer may see `parent`.
    """
    ids = cycle_ids(cycle)
    below = in_cycle(user, ids).filter(parent=parent)
    total = below.count()
    page = list(below.annotate(rank=rank()).order_by("rank", "pk")[offset : offset + CHILD_LIMIT])
    counts = child_counts(user, ids, [o.pk for o in page])
    rollup.annotate(page)
    nodes = [Node(o, child_count=counts.get(o.pk, 0)) for o in page]
    return Branch(parent=parent, nodes=nodes, total=total, offset=offset)
