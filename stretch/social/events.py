"""Recording what happened, once, for the feed, the notifications and the webhooks.

Every service that changes something people want to hear about calls `record()` inside its
transaction. It stores one `Activity` row and hands it to each listener, still inside the
transaction: listeners only write rows (notifications for the inbox, webhook deliveries),
so the activity and everything it causes commit together or not at all (an outbox). Slow
work (email, HTTP to webhooks) is queued for the background worker, never done here.

Listeners register with `@listen` (see `fanout.py`, and the webhooks app's `apps.py`).
"""

import logging
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from stretch.social.models import Activity

logger = logging.getLogger(__name__)

Verb = Activity.Verb
Listener = Callable[[Activity, dict[str, Any]], object]  # what it returns is ignored

LISTENERS: list[Listener] = []


def listen(listener: Listener) -> Listener:
    """Register `listener(activity, context)` to run for every recorded activity."""
    if listener not in LISTENERS:
        LISTENERS.append(listener)
    return listener


def record(
    verb: str,
    actor: Any,
    *,
    objective: Any = None,
    key_result: Any = None,
    check_in: Any = None,
    comment: Any = None,
    recognition: Any = None,
    team: Any = None,
    person: Any = None,
    data: dict[str, Any] | None = None,
    at: Any = None,
    **context: Any,
) -> Activity:
    """Store that `actor` did `verb` (an `Activity.Verb`) and tell every listener.

    The objective is taken from the key result, check-in or comment when not given (and the
    recognition from the comment); its owner fills `team` or `person`. `context` carries what listeners need but the row does
    not keep, e.g. `mentions` (people a comment mentions), `recipients` (people a request
    is addressed to) or `quiet=True` (history being loaded: into the feed, but nobody is
    notified and no webhook fires).
    """
    if objective is None:
        for source in (comment, check_in, key_result):
            if source is not None:
                objective = _objective_of(source)
                break
    if key_result is None and check_in is not None:
        key_result = check_in.key_result
    if recognition is None and comment is not None and comment.recognition_id:
        recognition = comment.recognition
    if objective is not None and team is None and person is None:
        team_id, person_id = objective.owner_team_id, objective.owner_person_id
    else:
        team_id = getattr(team, "pk", None)
        person_id = getattr(person, "pk", None)
    activity = Activity.objects.create(
        verb=verb,
        actor=actor if getattr(actor, "pk", None) else None,
        objective=objective,
        key_result=key_result,
        check_in=check_in,
        comment=comment,
        recognition=recognition,
        team_id=team_id,
        person_id=person_id,
        data=data or {},
        created_at=at or timezone.now(),
    )
    for listener in LISTENERS:
        listener(activity, context)
    return activity


def _objective_of(source: Any) -> Any:
    if getattr(source, "objective_id", None):
        return source.objective
    if getattr(source, "key_result", None) is not None:
        return source.key_result.objective
    return None  # a comment on a recognition
