"""Recognition: public kudos to one or more people, for a company value and an objective,
on a wall for the company and for each team, with counts per person and value.

Recognitions are public inside the company: everyone signed in reads them, reacts and
comments (through `stretch.social.comments`, target `recognition`). A linked objective must
be public when it is linked; one made private since is shown only to those who may see it.
Every change goes through here, for the pages and the API alike, and records an activity
(the feed, the receivers' notifications, the digest).
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from stretch import access
from stretch.cfr.models import Recognition
from stretch.okrs.models import Cycle, Objective
from stretch.org.models import CompanyValue, Membership, Team, display_name
from stretch.params import as_int
from stretch.social import events, feed, markdown
from stretch.social.comments import clean_emoji, set_reaction_lists
from stretch.social.models import Comment, Reaction

MAX_MESSAGE = 2000
MAX_RECEIVERS = 50
MAX_VALUE_NAME = 100
MAX_VALUE_DESCRIPTION = 1000


# Company values ----------------------------------------------------------------------------


def offered_values() -> QuerySet:
    """The values a recognition may name now (archived ones are kept for the past)."""
    return CompanyValue.objects.filter(archived=False)


def get_value(pk, *, field: str | None = None) -> CompanyValue:
    found = CompanyValue.objects.filter(pk=as_int(pk) or 0).first()
    if found is None:
        message = _("No company value with id %(id)s.") % {"id": pk}
        raise ValidationError({field: message}) if field else Http404(message)
    return found


def _require_admin(actor) -> None:
    if not access.can_manage_company(actor):
        raise PermissionDenied(_("Only administrators set the company's values."))


def _value_fields(name, description, *, partial: bool) -> dict:
    fields = {}
    if name is not None or not partial:
        text = (name if isinstance(name, str) else "").strip()
        if not text:
            raise ValidationError({"name": _("Name the value.")})
        if len(text) > MAX_VALUE_NAME:
            raise ValidationError({"name": _("At most %(n)s characters.") % {"n": MAX_VALUE_NAME}})
        fields["name"] = text
    if description is not None:
        text = (description if isinstance(description, str) else "").strip()
        if len(text) > MAX_VALUE_DESCRIPTION:
            raise ValidationError(
                {"description": _("At most %(n)s characters.") % {"n": MAX_VALUE_DESCRIPTION}}
            )
        fields["description"] = text
    return fields


def _save_value(value: CompanyValue) -> CompanyValue:
    clash = CompanyValue.objects.filter(name__iexact=value.name).exclude(pk=value.pk)
    if clash.exists():
        raise ValidationError(
            {"name": _("There is a value called “%(name)s” already.") % {"name": value.name}}
        )
    try:
        with transaction.atomic():
            value.save()
    except IntegrityError as error:  # a racing request took the name
        raise ValidationError(
            {"name": _("There is a value called “%(name)s” already.") % {"name": value.name}}
        ) from error
    return value


def create_value(actor, *, name, description="") -> CompanyValue:
    """An administrator adds a value; it goes last."""
    _require_admin(actor)
    fields = _value_fields(name, description, partial=False)
    last = CompanyValue.objects.aggregate(last=Max("position"))["last"]
    return _save_value(CompanyValue(**fields, position=0 if last is None else last + 1))


def update_value(actor, value: CompanyValue, *, name=None, description=None, archived=None,
                 position=None) -> CompanyValue:  # fmt: skip
    """An administrator renames, describes, moves, archives or brings back a value."""
    _require_admin(actor)
    for field_name, given in _value_fields(name, description, partial=True).items():
        setattr(value, field_name, given)
    if archived is not None:
        if not isinstance(archived, bool):
            raise ValidationError({"archived": _("Say true or false.")})
        value.archived = archived
    if position is not None:
        number = as_int(position)
        if number is None or number < 0 or isinstance(position, bool):
            raise ValidationError({"position": _("A position is a whole number from 0.")})
        value.position = number
    return _save_value(value)


def delete_value(actor, value: CompanyValue) -> bool:
    """Delete a value no recognition names; one that is named is archived instead (so past
    recognitions keep it). Returns whether it was deleted."""
    _require_admin(actor)
    with transaction.atomic():
        if value.recognitions.exists():
            value.archived = True
            value.save(update_fields=["archived"])
            return False
        value.delete()
    return True


def value_counts() -> dict[int, int]:
    """How many recognitions name each value, ever."""
    rows = Recognition.objects.values("value_id").annotate(n=Count("id"))
    return {row["value_id"]: row["n"] for row in rows if row["value_id"]}


# Reading -----------------------------------------------------------------------------------


def visible_recognitions(user) -> QuerySet:
    """Everyone signed in reads every recognition (they are public inside the company)."""
    if not getattr(user, "is_authenticated", False):
        return Recognition.objects.none()
    return Recognition.objects.all()


def loaded(queryset: QuerySet) -> QuerySet:
    """Recognitions with what a card shows, in a fixed number of queries."""
    people = get_user_model().objects.select_related("profile").order_by("first_name", "username")
    return queryset.select_related("giver__profile", "value", "objective").prefetch_related(
        Prefetch("receivers", queryset=people)
    )


def get_recognition(user, pk) -> Recognition:
    found = loaded(visible_recognitions(user)).filter(pk=as_int(pk) or 0).first()
    if found is None:
        raise Http404(_("No recognition with id %(id)s.") % {"id": pk})
    return found


def _cycle_span(cycle: Cycle) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(cycle.start, time.min, tzinfo=zone)
    end = datetime.combine(cycle.end + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def wall(user, *, team: Team | None = None, person=None, cycle: Cycle | None = None,
         value: CompanyValue | None = None) -> QuerySet:  # fmt: skip
    """Recognitions newest first: the company's, a team's (anyone in the team or a team
    below it received one), a person's (received or given), within a cycle's dates."""
    qs = visible_recognitions(user)
    if team is not None:
        members = Membership.objects.filter(team_id__in=feed.subtree(team)).values("person_id")
        qs = qs.filter(pk__in=Recognition.objects.filter(receivers__in=members).values("pk"))
    if person is not None:
        received = Recognition.objects.filter(receivers=person).values("pk")
        qs = qs.filter(Q(pk__in=received) | Q(giver=person))
    if cycle is not None:
        start, end = _cycle_span(cycle)
        qs = qs.filter(created_at__gte=start, created_at__lt=end)
    if value is not None:
        qs = qs.filter(value=value)
    return qs.order_by("-created_at", "-id")


@dataclass
class Counts:
    """Who was recognised how often, and for which values, over the wall's span."""

    people: list  # [(person, count)] most first
    values: list  # [(value, count)] most first
    total: int
    givers: int


def counts(
    user, *, team: Team | None = None, cycle: Cycle | None = None, limit: int = 10
) -> Counts:
    """The counts beside a wall (three queries)."""
    qs = wall(user, team=team, cycle=cycle)
    received: Counter = Counter()
    rows = Recognition.receivers.through.objects.filter(recognition__in=qs.values("pk"))
    if team is not None:  # on a team's wall, the team's people
        members = Membership.objects.filter(team_id__in=feed.subtree(team)).values("person_id")
        rows = rows.filter(user_id__in=members)
    for person_id in rows.values_list("user_id", flat=True):
        received[person_id] += 1
    top = received.most_common(limit)
    people = get_user_model().objects.select_related("profile").in_bulk([pk for pk, _n in top])
    by_value = (
        qs.exclude(value=None).values("value_id").annotate(n=Count("id")).order_by("-n", "value_id")
    )
    values = CompanyValue.objects.in_bulk([row["value_id"] for row in by_value])
    return Counts(
        people=[(people[pk], n) for pk, n in top if pk in people],
        values=[
            (values[row["value_id"]], row["n"]) for row in by_value if row["value_id"] in values
        ],
        total=qs.count(),
        givers=qs.exclude(giver=None).values("giver_id").distinct().count(),
    )


def shown_objectives(user, recognitions) -> set[int]:
    """Of the objectives these recognitions link to, those `user` may see (a linked
    objective made private since is hidden from the others)."""
    return access.visible_ids(user, {r.objective_id for r in recognitions if r.objective_id})


def reactions_of(recognitions: list[Recognition], user) -> None:
    """Set `reaction_list` [(emoji, count, mine)] and `comment_count` on each, in two
    queries."""
    ids = [r.pk for r in recognitions]
    set_reaction_lists("recognition", recognitions, user)
    comments = dict(
        Comment.objects.filter(recognition_id__in=ids, deleted_at=None)
        .values("recognition_id")
        .annotate(n=Count("id"))
        .values_list("recognition_id", "n")
    ) if ids else {}  # fmt: skip
    for recognition in recognitions:
        recognition.comment_count = comments.get(recognition.pk, 0)


# Writing -----------------------------------------------------------------------------------


def _receivers(actor, receivers) -> list:
    if isinstance(receivers, int | str) and not isinstance(receivers, bool):
        receivers = [receivers]
    if not isinstance(receivers, list | tuple) or not receivers:
        raise ValidationError({"receivers": _("Choose at least one person to recognise.")})
    if len(receivers) > MAX_RECEIVERS:
        raise ValidationError({"receivers": _("At most %(n)s people.") % {"n": MAX_RECEIVERS}})
    people = {}
    for given in receivers:
        pk = as_int(getattr(given, "pk", given))
        if pk is None or isinstance(given, bool):
            raise ValidationError({"receivers": _("Not a person id: %(id)s.") % {"id": given}})
        people[pk] = access.get_person(pk, field="receivers")
        if pk == actor.pk:
            raise ValidationError({"receivers": _("You cannot recognise yourself.")})
    return list(people.values())


def _message(message) -> str:
    text = (message if isinstance(message, str) else "").strip()
    if not text:
        raise ValidationError({"message": _("Say what they did that deserves recognition.")})
    if len(text) > MAX_MESSAGE:
        raise ValidationError({"message": _("At most %(n)s characters.") % {"n": MAX_MESSAGE}})
    return text


def _value(value) -> CompanyValue | None:
    if value in (None, ""):
        return None
    found = get_value(getattr(value, "pk", value), field="value")
    if found.archived:
        raise ValidationError(
            {
                "value": _("“%(name)s” is no longer one of the company's values.")
                % {"name": found.name}
            }
        )
    return found


def _objective(actor, objective) -> Objective | None:
    if objective in (None, ""):
        return None
    pk = as_int(getattr(objective, "pk", objective))
    if pk is None:
        raise ValidationError({"objective": _("Not an objective id: %(id)s.") % {"id": objective}})
    found = access.get_objective_for_user(actor, pk, field="objective")
    if found.visibility != Objective.Visibility.PUBLIC:
        raise ValidationError(
            {"objective": _("A recognition is public: it can only name a public objective.")}
        )
    return found


def summary(recognition: Recognition, receivers: list) -> dict:
    """What the activity keeps of a recognition (for the feed line and chat messages)."""
    return {
        "receivers": [display_name(person) for person in receivers],
        "receiver_ids": [person.pk for person in receivers],
        "value": recognition.value.name if recognition.value is not None else "",
        "objective_id": recognition.objective_id,
        "objective_title": recognition.objective.title if recognition.objective is not None else "",
        "message": Truncator(recognition.message).chars(300),
    }


def give(actor, *, receivers, message, value=None, objective=None) -> Recognition:
    """Recognise one or more people (not oneself); each of them, and the people the message
    mentions, hear of it."""
    people = _receivers(actor, receivers)
    text = _message(message)
    chosen = _value(value)
    linked = _objective(actor, objective)
    rendered = markdown.render(text)
    with transaction.atomic():
        recognition = Recognition.objects.create(
            giver=actor, message=text, html=rendered.html, value=chosen, objective=linked
        )
        recognition.receivers.set(people)
        events.record(
            events.Verb.RECOGNITION,
            actor,
            recognition=recognition,
            person=people[0],
            data=summary(recognition, people),
            recipients=people,
            mentions=[p for p in rendered.mentions if p.pk not in {r.pk for r in people}],
        )
    return recognition


def may_delete(user, recognition: Recognition) -> bool:
    return recognition.giver_id == user.pk or access.is_admin(user)


def delete(actor, recognition: Recognition) -> None:
    """Its giver (or an administrator) takes a recognition back, with its comments,
    reactions and feed lines."""
    if not may_delete(actor, recognition):
        raise PermissionDenied(_("Only the person who gave it may delete a recognition."))
    recognition.delete()


def toggle_reaction(actor, recognition: Recognition, emoji) -> None:
    """The wall's reaction buttons: give the emoji, or take it back if given."""
    emoji = clean_emoji(emoji)
    taken, _count = Reaction.objects.filter(
        recognition=recognition, person=actor, emoji=emoji
    ).delete()
    if not taken:
        react(actor, recognition, emoji)


def react(actor, recognition: Recognition, emoji) -> None:
    Reaction.objects.get_or_create(recognition=recognition, person=actor, emoji=clean_emoji(emoji))


def unreact(actor, recognition: Recognition, emoji) -> None:
    Reaction.objects.filter(
        recognition=recognition, person=actor, emoji=clean_emoji(emoji)
    ).delete()
