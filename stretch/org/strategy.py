"""The company's strategy: the pillars it rests on, and the map of how the OKRs serve them.

Administrators keep the strategy pillars here (the mission and vision are company fields,
changed through `services.update_company`). Company objectives name the pillar they serve;
the strategy map shows, for one cycle, each pillar with its company objectives, their key
results and the team and personal objectives aligned to them, and flags the gaps: a pillar
no company objective serves, and a company objective that names no pillar.

A pillar that objectives name is not deleted: the objectives would silently lose the pillar
they serve, in past cycles too. The administrator gives them another pillar first, or renames
the pillar when only its wording changes.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stretch import access
from stretch.okrs import alignment, rollup
from stretch.okrs import progress as math
from stretch.okrs.alignment_tree import Node
from stretch.okrs.models import Cycle, Objective
from stretch.org.models import Company, StrategyPillar
from stretch.params import as_int

MAX_PILLAR_NAME = 200
MAX_PILLAR_DESCRIPTION = 2000
# Aligned objectives shown below one company objective on the map; the rest are counted and
# one link away (the alignment map and the tree), so the page stays short at any size.
ALIGNED_LIMIT = 8


# Pillars -----------------------------------------------------------------------------------


def _require_admin(actor) -> None:
    if not access.can_manage_company(actor):
        raise PermissionDenied(_("Only administrators set the company's strategy."))


def get_pillar(pk, *, field: str | None = None) -> StrategyPillar:
    """The pillar `pk`: a 404, or with `field` a validation error on that field, if none."""
    found = StrategyPillar.objects.filter(pk=as_int(pk) or 0).first()
    if found is None:
        message = _("No strategy pillar with id %(id)s.") % {"id": pk}
        raise ValidationError({field: message}) if field else Http404(message)
    return found


def _pillar_fields(name, description, *, partial: bool) -> dict:
    fields = {}
    if name is not None or not partial:
        text = (name if isinstance(name, str) else "").strip()
        if not text:
            raise ValidationError({"name": _("Name the pillar.")})
        if len(text) > MAX_PILLAR_NAME:
            raise ValidationError({"name": _("At most %(n)s characters.") % {"n": MAX_PILLAR_NAME}})
        fields["name"] = text
    if description is not None:
        if not isinstance(description, str):
            raise ValidationError({"description": _("Write it as text.")})
        text = description.strip()
        if len(text) > MAX_PILLAR_DESCRIPTION:
            raise ValidationError(
                {"description": _("At most %(n)s characters.") % {"n": MAX_PILLAR_DESCRIPTION}}
            )
        fields["description"] = text
    return fields


def _position(value) -> int:
    number = None if isinstance(value, bool) else as_int(value)
    if number is None:
        raise ValidationError({"position": _("A position is a whole number from 0.")})
    return number


def _save(pillar: StrategyPillar) -> None:
    """Save `pillar` if no other has its name, in any case (the error names the other)."""
    clash = StrategyPillar.objects.filter(name__iexact=pillar.name).exclude(pk=pillar.pk).first()
    taken = _("There is a pillar called “%(name)s” already.") % {
        "name": clash.name if clash else pillar.name
    }
    if clash is not None:
        raise ValidationError({"name": taken})
    try:
        with transaction.atomic():
            pillar.save()
    except IntegrityError as error:  # a racing request took the name
        raise ValidationError({"name": taken}) from error


def _place(pillar: StrategyPillar, index: int | None) -> None:
    """Put `pillar` at `index` of the order (None or past the end: last) and number the
    pillars 0, 1, 2… so that a position is always a place in the order people see."""
    ordered = [p for p in StrategyPillar.objects.select_for_update() if p.pk != pillar.pk]
    ordered.insert(len(ordered) if index is None else min(index, len(ordered)), pillar)
    for position, row in enumerate(ordered):
        if row.position != position:
            StrategyPillar.objects.filter(pk=row.pk).update(position=position)
            row.position = position


def create_pillar(actor, *, name, description="", position=None) -> StrategyPillar:
    """An administrator adds a pillar: last, or at `position` (0 is first)."""
    _require_admin(actor)
    fields = _pillar_fields(name, description, partial=False)
    index = None if position is None else _position(position)
    with transaction.atomic():
        pillar = StrategyPillar(**fields, position=StrategyPillar.objects.count())
        _save(pillar)
        _place(pillar, index)
    return pillar


def update_pillar(actor, pillar: StrategyPillar, *, name=None, description=None, position=None):
    """An administrator renames or describes a pillar, or moves it to `position`."""
    _require_admin(actor)
    fields = _pillar_fields(name, description, partial=True)
    index = None if position is None else _position(position)
    with transaction.atomic():
        for field_name, value in fields.items():
            setattr(pillar, field_name, value)
        _save(pillar)
        if index is not None:
            _place(pillar, index)
    return pillar


def move_pillar(actor, pillar: StrategyPillar, step: int) -> StrategyPillar:
    """Swap a pillar with the one before (step -1) or after it (+1)."""
    order = list(StrategyPillar.objects.values_list("pk", flat=True))
    index = order.index(pillar.pk) + step
    if not 0 <= index < len(order):
        _require_admin(actor)
        return pillar
    return update_pillar(actor, pillar, position=index)


def pillar_uses() -> dict[int, int]:
    """How many objectives name each pillar, in every cycle and whoever may see them."""
    rows = (
        Objective.objects.filter(pillar__isnull=False).values("pillar_id").annotate(n=Count("id"))
    )
    return {row["pillar_id"]: row["n"] for row in rows}


def delete_pillar(actor, pillar: StrategyPillar) -> None:
    """An administrator deletes a pillar that no objective names (see the module's note)."""
    _require_admin(actor)
    with transaction.atomic():
        named = Objective.objects.filter(pillar=pillar).count()
        if named:
            raise ValidationError(
                {
                    "pillar": ngettext(
                        "%(n)s objective names “%(name)s”: give it another pillar first. "
                        "To change only what the pillar says, rename it instead.",
                        "%(n)s objectives name “%(name)s”: give them another pillar first. "
                        "To change only what the pillar says, rename it instead.",
                        named,
                    )
                    % {"n": named, "name": pillar.name}
                }
            )
        pillar.delete()
        for position, pk in enumerate(StrategyPillar.objects.values_list("pk", flat=True)):
            StrategyPillar.objects.filter(pk=pk).exclude(position=position).update(
                position=position
            )


# The strategy map --------------------------------------------------------------------------


@dataclass
class MapObjective:
    """A company objective on the map, with the first team and personal objectives aligned
    to it in the cycle (`aligned`) out of `aligned_count` the viewer may see."""

    objective: Objective
    aligned: list[Node] = field(default_factory=list)
    aligned_count: int = 0
    serves: Objective | None = None  # the company objective on the map it aligns to

    @property
    def more(self) -> int:
        return max(0, self.aligned_count - len(self.aligned))


@dataclass
class Standing:
    """Mean progress of some company objectives against the mean of their own paces."""

    objectives: list[MapObjective]
    default_expected: float

    @property
    def count(self) -> int:
        return len(self.objectives)

    @property
    def progress(self) -> float:
        values = [entry.objective.progress for entry in self.objectives]
        return sum(values) / len(values) if values else 0.0

    @property
    def expected(self) -> float:
        values = [entry.objective.expected_progress for entry in self.objectives]
        return sum(values) / len(values) if values else self.default_expected

    @property
    def health(self) -> str:
        return math.health(self.progress, self.expected)


@dataclass
class PillarRow(Standing):
    """One pillar and the cycle's company objectives naming it (pillar None: naming none)."""

    pillar: StrategyPillar | None = None
    # Of a pillar no company objective serves: the team and personal objectives of the cycle
    # that name it all the same (the first few, and how many), so the flag tells the whole story.
    named_below: list[Node] = field(default_factory=list)
    named_count: int = 0

    @property
    def named_more(self) -> int:
        return max(0, self.named_count - len(self.named_below))

    @property
    def key(self) -> str:
        return str(self.pillar.pk) if self.pillar else "none"

    @property
    def unserved(self) -> bool:
        """The flag: a pillar no company objective the viewer may see serves in the cycle."""
        return self.pillar is not None and not self.objectives


@dataclass
class StrategyMap:
    company: Company
    cycle: Cycle | None
    pillars: list[PillarRow]
    unpillared: PillarRow  # company objectives that name no pillar: the other flag
    overall: Standing
    aligned_limit: int = ALIGNED_LIMIT

    @property
    def unserved(self) -> list[PillarRow]:
        return [row for row in self.pillars if row.unserved]


def _first_of_each(user, cycles: set[int], by: str, keys: list[int]):
    """The first ALIGNED_LIMIT team and personal objectives of the cycle the viewer may see
    for each of `keys` of the column `by` (parent_id, pillar_id), and how many there are:
    two queries, whatever their number."""
    if not keys:
        return {}, {}
    found = alignment.in_cycle(user, cycles).filter(
        Q(owner_person__isnull=False) | Q(owner_team__parent__isnull=False),
        **{f"{by}__in": keys},
    )
    counts = dict(found.order_by().values(by).annotate(n=Count("id")).values_list(by, "n"))
    numbered = found.annotate(
        row=Window(RowNumber(), partition_by=[F(by)], order_by=[alignment.rank(), F("pk")])
    ).filter(row__lte=ALIGNED_LIMIT)
    first: dict[int, list[Objective]] = defaultdict(list)
    for objective in sorted(numbered, key=alignment.sort_key):
        first[getattr(objective, by)].append(objective)
    return first, counts


def build_map(user, cycle: Cycle | None) -> StrategyMap:
    """The strategy map of `cycle` as `user` may see it.

    Company objectives are those of `alignment.company_objectives` (of the cycle and of the
    cycles enclosing it); what aligns below them comes from the cycle and the cycles it
    contains, as in the alignment tree. Private objectives the viewer may not see are left
    out of the lists and the counts alike. The queries are fixed whatever the company's size
    (the roll-up adds a few per level of objectives without key results, as everywhere).
    """
    company = Company.load()
    pillars = list(StrategyPillar.objects.all())
    expected = rollup.expected_for(cycle) if cycle else 0.0
    objectives = alignment.company_objectives(user, cycle) if cycle else []
    by_pillar: dict[int | None, list[Objective]] = defaultdict(list)
    for objective in objectives:
        by_pillar[objective.pillar_id].append(objective)
    first: dict[int, list[Objective]] = {}
    counts: dict[int, int] = {}
    named: dict[int, list[Objective]] = {}
    named_counts: dict[int, int] = {}
    below: dict[int, int] = {}
    if cycle is not None:
        cycles = alignment.cycle_ids(cycle)
        first, counts = _first_of_each(user, cycles, "parent_id", [o.pk for o in objectives])
        unserved = [p.pk for p in pillars if not by_pillar[p.pk]]
        named, named_counts = _first_of_each(user, cycles, "pillar_id", unserved)
        # An objective may be listed twice (aligned here, naming an unserved pillar there).
        shown = [o for group in [*first.values(), *named.values()] for o in group]
        below = alignment.child_counts(user, cycles, {o.pk for o in shown})
        rollup.annotate(shown)

    def nodes(group: list[Objective]) -> list[Node]:
        return [Node(o, child_count=below.get(o.pk, 0)) for o in group]

    on_map = {o.pk: o for o in objectives}
    entries = {
        o.pk: MapObjective(
            objective=o,
            aligned=nodes(first.get(o.pk, [])),
            aligned_count=counts.get(o.pk, 0),
            serves=on_map.get(o.parent_id) if o.parent_id else None,
        )
        for o in objectives
    }

    def row(pillar: StrategyPillar | None) -> PillarRow:
        if pillar is None:
            return PillarRow([entries[o.pk] for o in by_pillar[None]], expected)
        return PillarRow(
            [entries[o.pk] for o in by_pillar[pillar.pk]],
            expected,
            pillar=pillar,
            named_below=nodes(named.get(pillar.pk, [])),
            named_count=named_counts.get(pillar.pk, 0),
        )

    return StrategyMap(
        company=company,
        cycle=cycle,
        pillars=[row(p) for p in pillars],
        unpillared=row(None),
        overall=Standing(list(entries.values()), expected),
    )
