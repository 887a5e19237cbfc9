"""The weekly digest: once a week, per person, what moved in their OKRs and their teams'.

A person's digest has a part for their own objectives and one for each team they belong to
(so each team's digest reaches its leads and members, in the same one email a week). Each
part says:

- progress moved: each objective's progress at the start of the last 7 days and now, from
  the check-in history through the same progress math as every page;
- what turned at risk or off track this week (key results whose health got worse);
- stale key results (not checked in within their cadence).

The digest goes out on the first pass on or after Monday (the `DigestLog` row, unique on
person and week, makes it once a week whatever the number of passes or workers). It only
ever mentions objectives the recipient may see (`access.can_view_objective`).

Extension point: `SECTIONS` is the list of functions that build the digest's sections from a
`DigestInput`: comments have theirs (`comments_sections`), recognitions theirs
(`recognition_sections`). A builder reads what happened between `input.since` and
`input.until` through its own app's visibility rules and returns `Section`s; the text and
HTML emails and the in-app notification render any section.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stretch import access
from stretch.cfr.models import Recognition
from stretch.cfr.recognition import loaded
from stretch.okrs import progress as math
from stretch.okrs import rollup
from stretch.okrs.models import CheckIn, Cycle, KeyResult, Objective
from stretch.org.models import Membership, Team, display_name
from stretch.social.models import Comment, DigestLog, Notification, NotificationPreference
from stretch.social.notify import email_if_wanted, language_of, notify
from stretch.social.reminders import last_check_in_text

HEALTH_ORDER = {math.ON_TRACK: 0, math.AT_RISK: 1, math.OFF_TRACK: 2}


def week_start(today: date) -> date:
    """The Monday of the week `today` is in."""
    return today - timedelta(days=today.weekday())


@dataclass
class Entry:
    text: str
    url: str = ""
    detail: str = ""
    tone: str = ""  # "up", "down", "at_risk", "off_track", "stale" (for the HTML email)


@dataclass
class Section:
    title: str
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Group:
    """The objectives of one owner the recipient hears about: themself, or one team."""

    title: str
    objectives: list[Objective]


@dataclass
class State:
    """What the digest knows of the objectives of every recipient, loaded once per pass."""

    since: datetime
    until: datetime
    before: dict[int, float | None]  # objective id -> progress at `since` (None: unknown)
    health_before: dict[int, str]  # key result id -> health at `since`
    stale: set[int]  # key result ids
    by_person: dict[int, list[Objective]]
    by_team: dict[int, list[Objective]]
    teams: dict[int, Team]
    memberships: dict[int, list[int]]  # person id -> team ids


@dataclass
class DigestInput:
    recipient: object
    today: date
    since: datetime
    until: datetime
    groups: list[Group]
    state: State


SectionBuilder = Callable[[DigestInput], list[Section]]


def _pct(value: float) -> str:
    return f"{round(value * 100)}%"


def progress_sections(data: DigestInput) -> list[Section]:
    sections = []
    for group in data.groups:
        entries = []
        for objective in group.objectives:
            before = data.state.before.get(objective.pk)
            now = objective.progress
            url = reverse("objective", args=[objective.pk])
            if before is None:
                detail = _pct(now)
                tone = ""
            else:
                moved = round(now * 100) - round(before * 100)  # as the percentages show
                detail = (
                    _("%(now)s, no change") % {"now": _pct(now)}
                    if moved == 0
                    else ngettext(
                        "%(before)s → %(now)s (%(moved)+d point)",
                        "%(before)s → %(now)s (%(moved)+d points)",
                        abs(moved),
                    )
                    % {"before": _pct(before), "now": _pct(now), "moved": moved}
                )
                tone = "up" if moved > 0 else "down" if moved < 0 else ""
            entries.append(Entry(objective.title, url, detail, tone))
        if entries:
            sections.append(
                Section(_("%(owner)s: progress this week") % {"owner": group.title}, entries)
            )
    return sections


def health_label(health: str) -> str:
    return {
        math.ON_TRACK: _("on track"),
        math.AT_RISK: _("at risk"),
        math.OFF_TRACK: _("off track"),
    }[health]


def turned_sections(data: DigestInput) -> list[Section]:
    sections = []
    for group in data.groups:
        entries = []
        for objective in group.objectives:
            for kr in objective.key_result_list:
                before = data.state.health_before.get(kr.pk, math.ON_TRACK)
                if HEALTH_ORDER[kr.health] > HEALTH_ORDER[before]:
                    entries.append(
                        Entry(
                            kr.title,
                            reverse("key-result", args=[kr.pk]),
                            _("%(before)s → %(now)s, objective: %(objective)s")
                            % {
                                "before": health_label(before),
                                "now": health_label(kr.health),
                                "objective": objective.title,
                            },
                            kr.health,
                        )
                    )
        if entries:
            sections.append(
                Section(
                    _("%(owner)s: turned at risk or off track") % {"owner": group.title}, entries
                )
            )
    return sections


def stale_sections(data: DigestInput) -> list[Section]:
    sections = []
    for group in data.groups:
        entries = []
        for objective in group.objectives:
            for kr in objective.key_result_list:
                if kr.pk in data.state.stale:
                    entries.append(
                        Entry(
                            kr.title,
                            reverse("key-result", args=[kr.pk]),
                            _("%(when)s, objective: %(objective)s")
                            % {"when": last_check_in_text(kr), "objective": objective.title},
                            "stale",
                        )
                    )
        if entries:
            sections.append(
                Section(_("%(owner)s: not checked in lately") % {"owner": group.title}, entries)
            )
    return sections


MOST_RECOGNITIONS = 10


def recognition_sections(data: DigestInput) -> list[Section]:
    """The week's recognitions of the recipient and of the people in their teams (all
    recognitions are public), newest first."""
    person = data.recipient
    teams = data.state.memberships.get(person.pk, [])
    people = Membership.objects.filter(team_id__in=teams).values("person_id")
    through = Recognition.receivers.through.objects
    received = through.filter(Q(user=person) | Q(user_id__in=people)).values("recognition_id")
    rows = loaded(
        Recognition.objects.filter(
            pk__in=received, created_at__gte=data.since, created_at__lt=data.until
        )
    ).order_by("-created_at", "-id")[:MOST_RECOGNITIONS]
    entries = []
    for recognition in rows:
        names = {
            "who": display_name(recognition.giver) if recognition.giver else _("Someone"),
            "whom": ", ".join(display_name(p) for p in recognition.receivers.all()),
            "value": recognition.value.name if recognition.value else "",
        }
        text = (
            _("%(who)s recognised %(whom)s for %(value)s") % names
            if recognition.value
            else _("%(who)s recognised %(whom)s") % names
        )
        detail = recognition.message if len(recognition.message) <= 200 else (
            recognition.message[:199] + "…"
        )  # fmt: skip
        entries.append(Entry(text, reverse("recognition", args=[recognition.pk]), detail, "up"))
    return [Section(_("Recognition this week"), entries)] if entries else []


# The digest's sections, in order. Comments and recognitions append their builders here.
def comments_sections(data: DigestInput) -> list[Section]:
    """The week's comments on the objectives of each group (the objective's visibility was
    checked when the group was built; deleted comments are left out)."""
    ids = {o.pk for group in data.groups for o in group.objectives}
    if not ids:
        return []
    counts: dict[int, int] = defaultdict(int)
    latest: dict[int, str] = {}
    rows = (
        Comment.objects.filter(
            objective_id__in=ids,
            created_at__gte=data.since,
            created_at__lt=data.until,
            deleted_at=None,
        )
        .select_related("author__profile")
        .order_by("created_at", "id")
    )
    for comment in rows:
        counts[comment.objective_id] += 1
        latest[comment.objective_id] = display_name(comment.author) if comment.author else ""
    sections = []
    for group in data.groups:
        entries = [
            Entry(
                objective.title,
                reverse("objective", args=[objective.pk]) + "#comments-heading",
                ngettext(
                    "%(count)s new comment, the latest by %(who)s",
                    "%(count)s new comments, the latest by %(who)s",
                    counts[objective.pk],
                )
                % {"count": counts[objective.pk], "who": latest[objective.pk]},
            )
            for objective in group.objectives
            if counts.get(objective.pk)
        ]
        if entries:
            sections.append(
                Section(_("%(owner)s: comments this week") % {"owner": group.title}, entries)
            )
    return sections


SECTIONS: list[SectionBuilder] = [
    progress_sections,
    turned_sections,
    stale_sections,
    comments_sections,
    recognition_sections,
]


def _load_state(today: date, since: datetime, until: datetime) -> State:
    """Every objective a digest may speak of (active objectives of active cycles), annotated
    now and at `since`, in a bounded number of queries."""
    objectives = list(
        Objective.objects.filter(
            status=Objective.Status.ACTIVE, cycle__status=Cycle.Status.ACTIVE
        ).select_related("cycle", "owner_team")
    )
    rollup.annotate(objectives, on=today)
    then = CheckIn.objects.filter(key_result_id=OuterRef("pk"), created_at__lt=since).order_by(
        "-created_at", "-id"
    )
    # The last check-in before `since` of each key result, fed to the same progress math.
    past = {
        pk: (value, confidence, set(steps or []))
        for pk, value, confidence, steps in KeyResult.objects.filter(objective__in=objectives)
        .annotate(
            value_then=Subquery(then.values("value")[:1]),
            confidence_then=Subquery(then.values("confidence")[:1]),
            steps_then=Subquery(then.values("done_steps")[:1]),
        )
        .values_list("pk", "value_then", "confidence_then", "steps_then")
    }
    progress_then: dict[int, float] = {}
    before: dict[int, float | None] = {}
    health_before: dict[int, str] = {}
    stale: set[int] = set()
    for objective in objectives:
        expected_then = rollup.expected_for(objective.cycle, since.date())
        for kr in objective.key_result_list:
            value_then, confidence_then, done_then = past[kr.pk]
            progress_then[kr.pk] = rollup.progress_at(
                kr, value_then, [math.Step(s.weight, s.pk in done_then) for s in kr.steps.all()]
            )
            health_before[kr.pk] = math.health(progress_then[kr.pk], expected_then, confidence_then)
            if kr.stale:  # annotated for `today`
                stale.add(kr.pk)
        krs = objective.key_result_list
        before[objective.pk] = (
            math.objective_progress((progress_then[kr.pk], kr.weight) for kr in krs)
            if krs
            else None  # rolled up from aligned children: shown without a change
        )
    by_person: dict[int, list[Objective]] = defaultdict(list)
    by_team: dict[int, list[Objective]] = defaultdict(list)
    for objective in objectives:
        if objective.owner_person_id is not None:
            by_person[objective.owner_person_id].append(objective)
        elif objective.owner_team_id is not None:
            by_team[objective.owner_team_id].append(objective)
    memberships: dict[int, list[int]] = defaultdict(list)
    for person_id, team_id in Membership.objects.order_by("team__name", "team_id").values_list(
        "person_id", "team_id"
    ):
        memberships[person_id].append(team_id)
    teams = {t.pk: t for t in Team.objects.filter(pk__in=by_team)}
    return State(
        since=since,
        until=until,
        before=before,
        health_before=health_before,
        stale=stale,
        by_person=dict(by_person),
        by_team=dict(by_team),
        teams=teams,
        memberships=dict(memberships),
    )


def _groups_for(person, state: State) -> list[Group]:
    groups = []
    own = [o for o in state.by_person.get(person.pk, []) if access.can_view_objective(person, o)]
    if own:
        groups.append(Group(_("Your objectives"), own))
    for team_id in state.memberships.get(person.pk, []):
        visible = [
            o for o in state.by_team.get(team_id, []) if access.can_view_objective(person, o)
        ]
        if visible:
            groups.append(Group(state.teams[team_id].name, visible))
    return groups


def build(person, today: date, state: State) -> list[Section]:
    """The sections of `person`'s digest, in the active language (empty: nothing to say)."""
    data = DigestInput(
        recipient=person,
        today=today,
        since=state.since,
        until=state.until,
        groups=_groups_for(person, state),
        state=state,
    )
    sections: list[Section] = []
    for builder in SECTIONS:
        sections += builder(data)
    return sections


def as_text(sections: Iterable[Section]) -> str:
    blocks = []
    for section in sections:
        lines = [section.title]
        for entry in section.entries:
            lines.append(f"- {entry.text}: {entry.detail}" if entry.detail else f"- {entry.text}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def send_digests(today: date) -> int:
    """Send this week's digest to everyone who has not had it yet; returns how many."""
    monday = week_start(today)
    sent_already = set(
        DigestLog.objects.filter(week_start=monday).values_list("person_id", flat=True)
    )
    until = timezone.now()
    since = timezone.make_aware(datetime.combine(today - timedelta(days=7), time.min))
    state: State | None = None
    preferences = {p.user_id: p for p in NotificationPreference.objects.all()}
    people = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(objectives__isnull=False) | Q(memberships__isnull=False))
        .exclude(pk__in=sent_already)
        .distinct()
        .select_related("profile")
        .order_by("pk")
    )
    url = reverse("home")
    sent = 0
    for person in people:
        prefs = preferences.get(person.pk) or NotificationPreference(user=person)
        if not prefs.weekly_digest:
            continue
        if state is None:
            state = _load_state(today, since, until)
        with translation.override(language_of(person)):
            sections = build(person, today, state)
            if not sections:
                continue
            title = _("Your weekly digest, week of %(date)s") % {
                "date": date_format(monday, "DATE_FORMAT")
            }
            body = as_text(sections)
        try:
            with transaction.atomic():
                DigestLog.objects.create(person=person, week_start=monday)
                notification = notify(
                    person, Notification.Kind.DIGEST, title, body, url, email=False
                )
        except IntegrityError:  # another pass sent it this week
            continue
        email_if_wanted(
            person,
            notification,
            prefs,
            html_template="social/email/digest.html",
            context={"sections": sections},
        )
        sent += 1
    return sent
