"""The check-in rhythm: how often each key result is due, and whether it is stale.

A key result follows the cadence of the team that owns its objective; a person's objective
follows the person's team (a team they lead first, else the first they belong to); anyone in
no team follows the cycle's cadence.
"""

from django.db.models import CharField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from stretch.org.models import Membership


def key_result_cadence() -> Coalesce:
    """An expression for KeyResult querysets: the cadence ("weekly", …) the key result
    follows; use as `.annotate(cadence=key_result_cadence())`."""
    person_team = (
        Membership.objects.filter(person_id=OuterRef("objective__owner_person_id"))
        .order_by("role", "team_id")  # "lead" sorts before "member"
        .values("team__check_in_cadence")[:1]
    )
    return Coalesce(
        "objective__owner_team__check_in_cadence",
        Subquery(person_team),
        "objective__cycle__cadence",
        output_field=CharField(),
    )
