"""Dependencies: an objective names another team whose help it needs.

Cross-team work fails quietly when the other team never heard of it. A dependency tells the
team's leads, shows on the team's page, and waits for the team to confirm it will help or
to decline with a reason, so both sides plan with the same picture.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from stretch import access
from stretch.okrs.agreement import clean_text
from stretch.okrs.models import Dependency, Objective
from stretch.org.models import Membership, Team
from stretch.social import events


def team_leads(team: Team) -> list:
    lead_ids = Membership.objects.filter(team=team, role=Membership.Role.LEAD).values("person_id")
    return list(get_user_model().objects.filter(pk__in=lead_ids, is_active=True).order_by("pk"))


def _not_found(objective_id) -> Http404:
    return Http404(_("No objective with id %(id)s.") % {"id": objective_id})


def add_dependency(actor, objective: Objective, team: Team, note: str = "") -> Dependency:
    """Say that `objective` needs `team`'s help; the team's leads are told."""
    note = clean_text("note", note)
    if not access.can_view_objective(actor, objective):
        raise _not_found(objective.pk)
    if not access.can_edit_objective(actor, objective):
        raise PermissionDenied(_("Only those who may change the objective name its dependencies."))
    if team.pk == objective.owner_team_id:
        raise ValidationError(
            {"team": _("The objective belongs to %(team)s; name another team.") % {"team": team}}
        )
    leads = team_leads(team)
    if leads and not any(access.can_view_objective(lead, objective) for lead in leads):
        raise ValidationError(
            {
                "team": _(
                    "The leads of %(team)s cannot see this private objective; make it public "
                    "to ask for their help."
                )
                % {"team": team}
            }
        )
    with transaction.atomic():
        Objective.objects.select_for_update().filter(pk=objective.pk).first()  # one at a time
        if Dependency.objects.filter(objective=objective, team=team).exists():
            raise ValidationError(
                {"team": _("The objective names %(team)s already.") % {"team": team}}
            )
        dependency = Dependency.objects.create(
            objective=objective, team=team, note=note, requested_by=actor
        )
        events.record(
            events.Verb.DEPENDENCY_ADDED,
            actor,
            objective=objective,
            recipients=leads,
            data={
                "team_id": team.pk,
                "team_name": team.name,
                "note": note,
                "dependency_id": dependency.pk,
            },
        )
    return dependency


def _answerable(actor, dependency: Dependency) -> Dependency:
    dependency = (
        Dependency.objects.select_for_update(of=("self",))
        .select_related("objective", "team", "requested_by")
        .get(pk=dependency.pk)
    )
    if not access.can_view_objective(actor, dependency.objective):
        raise _not_found(dependency.objective_id)
    if not access.can_lead_team(actor, dependency.team):
        raise PermissionDenied(
            _("Only the leads of %(team)s answer for it.") % {"team": dependency.team}
        )
    if dependency.state != Dependency.State.PENDING:
        raise ValidationError(
            {
                "state": _("%(team)s has answered already (%(state)s).")
                % {"team": dependency.team, "state": dependency.get_state_display().lower()}
            }
        )
    return dependency


def _answer(verb, actor, dependency: Dependency, state: str, reason: str) -> Dependency:
    with transaction.atomic():
        dependency = _answerable(actor, dependency)
        dependency.state, dependency.reason = state, reason
        dependency.answered_by, dependency.answered_at = actor, timezone.now()
        dependency.save(update_fields=["state", "reason", "answered_by", "answered_at"])
        events.record(
            verb,
            actor,
            objective=dependency.objective,
            recipients=[dependency.requested_by] if dependency.requested_by else [],
            data={
                "team_id": dependency.team_id,
                "team_name": dependency.team.name,
                "reason": reason,
                "dependency_id": dependency.pk,
            },
        )
    return dependency


def confirm(actor, dependency: Dependency, reason: str = "") -> Dependency:
    """A lead of the team confirms the team will help."""
    reason = clean_text("reason", reason)
    return _answer(
        events.Verb.DEPENDENCY_CONFIRMED, actor, dependency, Dependency.State.CONFIRMED, reason
    )


def decline(actor, dependency: Dependency, reason: str = "") -> Dependency:
    """A lead of the team declines, saying why."""
    reason = clean_text(
        "reason", reason, required_message=_("Say why, so the objective's owner can plan.")
    )
    return _answer(
        events.Verb.DEPENDENCY_DECLINED, actor, dependency, Dependency.State.DECLINED, reason
    )


def remove(actor, dependency: Dependency) -> None:
    """Those who may change the objective take a dependency off it."""
    objective = dependency.objective
    if not access.can_view_objective(actor, objective):
        raise _not_found(objective.pk)
    if not access.can_edit_objective(actor, objective):
        raise PermissionDenied(_("Only those who may change the objective remove a dependency."))
    dependency.delete()


def visible_to(user, queryset=None):
    """Dependencies of objectives `user` may see."""
    qs = Dependency.objects.all() if queryset is None else queryset
    if access.is_admin(user):
        return qs
    return qs.filter(objective__in=access.objectives_visible_to(user).values("id"))


def pending_first(queryset):
    """Waiting dependencies first (a team answers those), then the newest."""
    waiting = Case(
        When(state=Dependency.State.PENDING, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return queryset.annotate(waiting=waiting).order_by("-waiting", "-created_at", "-id")
