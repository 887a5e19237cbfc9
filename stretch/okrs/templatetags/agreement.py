"""Template tags of setting OKRs together, for pages whose views do not load them."""

from django import template

from stretch import access
from stretch.okrs import dependencies
from stretch.okrs.models import Dependency

register = template.Library()

TEAM_DEPENDENCIES = 50


@register.simple_tag
def team_dependencies(team, user) -> dict:
    """What objectives need of `team` (waiting ones first), as `user` may see them, and
    whether `user` answers for the team: two queries."""
    rows = list(
        dependencies.pending_first(
            dependencies.visible_to(user, Dependency.objects.filter(team=team)).select_related(
                "objective__owner_person__profile",
                "objective__owner_team",
                "requested_by__profile",
                "answered_by__profile",
            )
        )[:TEAM_DEPENDENCIES]
    )
    return {
        "rows": rows,
        "can_answer": access.can_lead_team(user, team),
        "back": f"team:{team.pk}",  # the answer forms come back to the team page
        "waiting": sum(d.state == Dependency.State.PENDING for d in rows),
    }
