"""Queueing: each recorded activity becomes a pending delivery for every webhook that wants it.

`queue_deliveries` is an `events.listen` listener (registered in `WebhooksConfig.ready`), so
it runs inside the transaction that records the activity: the delivery rows commit with it
or not at all, and nothing here touches the network. After the commit, each new delivery
is handed to the background worker (`tasks.deliver`); if that hand-over is lost, the
worker's sweep still finds the row.
"""

from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from stretch.okrs.models import Objective
from stretch.org.models import Membership, Team
from stretch.social.models import Activity
from stretch.webhooks import formats
from stretch.webhooks.models import Delivery, Webhook


def hearing_teams(objective: Objective) -> set[int]:
    """The teams whose webhooks hear of `objective`: its owning team, or the teams its owner
    belongs to, and every team above those (see `Webhook`)."""
    if objective.owner_team_id is not None:
        return with_teams_above({objective.owner_team_id})
    return with_teams_above(
        set(
            Membership.objects.filter(person_id=objective.owner_person_id).values_list(
                "team_id", flat=True
            )
        )
    )


def with_teams_above(start: set[int]) -> set[int]:
    """These teams and every team above them."""
    parents = dict(Team.objects.values_list("id", "parent_id"))
    found: set[int] = set()
    frontier = start
    while frontier:
        found |= frontier
        frontier = {parents.get(team) for team in frontier} - found - {None}  # type: ignore[assignment]
    return found


def webhooks_for(activity: Activity) -> list[Webhook]:
    """The active webhooks told of `activity`: none unless its objective is public; a
    recognition (public) and its comments: the teams of the people recognised."""
    if activity.recognition_id:
        return _for_recognition(activity)
    objective = activity.objective if activity.objective_id else None
    if objective is None or objective.visibility != Objective.Visibility.PUBLIC:
        return []
    other = activity.data.get("target_id")  # an alignment request names a second objective
    if (
        other is not None
        and not Objective.objects.filter(pk=other, visibility=Objective.Visibility.PUBLIC).exists()
    ):
        return []
    wanting = [w for w in Webhook.objects.filter(active=True) if activity.verb in w.events]
    if not wanting:
        return []
    teams = hearing_teams(objective)
    return [w for w in wanting if w.team_id in teams]


def _for_recognition(activity: Activity) -> list[Webhook]:
    wanting = [w for w in Webhook.objects.filter(active=True) if activity.verb in w.events]
    if not wanting:
        return []
    people = activity.recognition.receivers.values("pk")
    start = set(Membership.objects.filter(person_id__in=people).values_list("team_id", flat=True))
    teams = with_teams_above(start)
    return [w for w in wanting if w.team_id in teams]


def queue_deliveries(activity: Activity, context: dict[str, Any]) -> list[Delivery]:
    if context.get("quiet") or context.get("edited"):
        return []  # history being loaded, or a comment edited: not news for a channel
    hooks = webhooks_for(activity)
    if not hooks:
        return []
    msg = formats.message(activity)
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(
                webhook=hook,
                activity=activity,
                event=activity.verb,
                payload=formats.render(hook.format, msg),
                next_attempt_at=now,
                created_at=now,
            )
            for hook in hooks
        ]
    )
    for delivery in deliveries:
        hand_to_worker(delivery.pk)
    return deliveries


def hand_to_worker(delivery_id: int) -> None:
    """Queue the send once the transaction commits (robust: a failure to queue it leaves
    the row for the sweep instead of failing the request that caused it)."""
    from stretch.webhooks.tasks import enqueue

    transaction.on_commit(partial(enqueue, delivery_id), robust=True)
