"""A synthetic company of a chosen size, made fast with bulk inserts (for query-count tests).

`build_company(factor)` makes a company whose every list grows with `factor`: teams, people,
objectives aligned in a tree with key results, check-ins, comments, recognitions, feedback,
1:1s, KPIs, initiatives, reviews, requests, notifications, imports and tokens. The rows are
consistent the way the services keep them: a key result's current value, confidence and
check-in time are those of its newest check-in, a milestone's done steps are those of its
newest check-in, a KPI's latest value and health are those of its newest measurement.

The focal objects (`Scale.lead`, `Scale.objective`, `Scale.key_result`, …) exist at every size,
so the same URLs can be asked of a small company and a large one.
"""

from datetime import date, timedelta
from itertools import cycle as round_robin

from django.contrib.auth import get_user_model
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from stretch.cfr.models import (
    ActionItem,
    AgendaItem,
    Conversation,
    Feedback,
    FeedbackRequest,
    Meeting,
    Recognition,
)
from stretch.kpis.models import Kpi, Measurement
from stretch.okrs.models import (
    AlignmentRequest,
    CheckIn,
    Cycle,
    Dependency,
    Initiative,
    KeyResult,
    MilestoneStep,
    Objective,
    Proposal,
)
from stretch.org.models import (
    ApiToken,
    Company,
    CompanyValue,
    Membership,
    Profile,
    StrategyPillar,
    Team,
)
from stretch.reviews.models import Review
from stretch.social.models import Activity, Comment, Follow, Notification, Reaction
from stretch.transfer.models import ImportJob


class Scale:
    """What `build_company` made: the focal objects and the sizes."""


def _users(names: list[str], admin_names: frozenset[str] = frozenset()) -> list:
    User = get_user_model()
    users = User.objects.bulk_create(
        User(
            username=name,
            email=f"{name}@example.com",
            password="!unusable",
            is_staff=name in admin_names,
            is_superuser=name in admin_names,
        )
        for name in names
    )
    if users and users[0].pk is None:  # SQLite before RETURNING: read the ids back
        by_name = User.objects.in_bulk(names, field_name="username")
        users = [by_name[name] for name in names]
    return users


def _saved(model, rows: list) -> list:
    """bulk_create, with primary keys on every backend."""
    created = model.objects.bulk_create(rows)
    assert all(row.pk is not None for row in created), model
    return created


def build_company(factor: int) -> Scale:
    s = Scale()
    s.factor = factor
    now = timezone.now()
    today = date.today()
    Company.objects.update_or_create(
        pk=1, defaults={"name": "Scaleco", "mission": "Grow", "vision": "Big"}
    )
    pillars = _saved(
        StrategyPillar, [StrategyPillar(name=f"Pillar {i}", position=i) for i in range(2)]
    )
    values = _saved(CompanyValue, [CompanyValue(name=f"Value {i}", position=i) for i in range(2)])

    year = Cycle.objects.create(
        name="Year",
        start=today - timedelta(days=100),
        end=today + timedelta(days=265),
        status=Cycle.Status.ACTIVE,
    )
    quarter = Cycle.objects.create(
        name="Quarter",
        start=today - timedelta(days=45),
        end=today + timedelta(days=45),
        status=Cycle.Status.ACTIVE,
    )
    closed = Cycle.objects.create(
        name="Last quarter",
        start=today - timedelta(days=150),
        end=today - timedelta(days=60),
        closes_on=today - timedelta(days=46),
        status=Cycle.Status.CLOSED,
    )
    s.year, s.quarter, s.closed = year, quarter, closed

    # Teams: root → Engineering (2·f sub-teams) and f other departments (2 sub-teams each).
    root = Team.objects.create(name="Scaleco")
    departments = _saved(
        Team,
        [Team(name="Engineering", parent=root)]
        + [Team(name=f"Department {d}", parent=root) for d in range(factor)],
    )
    engineering = departments[0]
    sub_teams = _saved(
        Team,
        [Team(name=f"Squad {i}", parent=engineering) for i in range(2 * factor)]
        + [
            Team(name=f"Unit {d}.{i}", parent=dept)
            for d, dept in enumerate(departments[1:])
            for i in range(2)
        ],
    )
    s.root, s.engineering, s.teams = root, engineering, [root, *departments, *sub_teams]

    # People: an admin, a CEO, a lead per department, a lead and 2 members per sub-team.
    names = ["admin", "ceo"] + [f"dept{t.pk}" for t in departments]
    names += [f"{role}{t.pk}" for t in sub_teams for role in ("lead", "m1_", "m2_")]
    users = _users(names, frozenset({"admin"}))
    by_name = {u.username: u for u in users}
    admin, ceo = by_name["admin"], by_name["ceo"]
    s.admin, s.ceo = admin, ceo
    s.lead = by_name[f"dept{engineering.pk}"]  # leads Engineering, manages the squad leads
    managers: dict[int, object] = {ceo.pk: None, admin.pk: None}
    memberships = [Membership(person=ceo, team=root, role=Membership.Role.LEAD)]
    team_of: dict[int, Team] = {ceo.pk: root}
    for dept in departments:
        head = by_name[f"dept{dept.pk}"]
        managers[head.pk] = ceo
        memberships.append(Membership(person=head, team=dept, role=Membership.Role.LEAD))
        team_of[head.pk] = dept
    for team in sub_teams:
        head = by_name[f"lead{team.pk}"]
        managers[head.pk] = by_name[f"dept{team.parent_id}"]
        memberships.append(Membership(person=head, team=team, role=Membership.Role.LEAD))
        team_of[head.pk] = team
        for role in ("m1_", "m2_"):
            member = by_name[f"{role}{team.pk}"]
            managers[member.pk] = head
            memberships.append(Membership(person=member, team=team, role=Membership.Role.MEMBER))
            team_of[member.pk] = team
    Membership.objects.bulk_create(memberships)
    Profile.objects.bulk_create(
        Profile(user=u, display_name=u.username.title(), title="Engineer", manager=managers[u.pk])
        for u in users
    )
    s.people = users

    # Objectives of the quarter: one per team (aligned to the parent team's), one per person
    # (aligned to their team's); the lead has 1 + f of their own; a few are private.
    def objective(title, parent=None, team=None, person=None, **extra):
        return Objective(
            cycle=extra.pop("cycle", quarter),
            title=title,
            parent=parent,
            owner_team=team,
            owner_person=person,
            pillar=extra.pop("pillar", None),
            **extra,
        )

    root_objectives = bulk_create_with_history(
        [objective(f"Company goal {i}", team=root, pillar=pillars[i % 2]) for i in range(2)]
        + [objective("Company goal without pillar", team=root)],
        Objective,
    )
    team_objective: dict[int, Objective] = {root.pk: root_objectives[0]}
    dept_objectives = bulk_create_with_history(
        [objective(f"{d.name} goal", parent=root_objectives[0], team=d) for d in departments],
        Objective,
    )
    team_objective |= {o.owner_team_id: o for o in dept_objectives}
    squad_objectives = bulk_create_with_history(
        [
            objective(f"{t.name} goal", parent=team_objective[t.parent_id], team=t)
            for t in sub_teams
        ],
        Objective,
    )
    team_objective |= {o.owner_team_id: o for o in squad_objectives}
    s.objective = team_objective[engineering.pk]  # 2·f aligned squad objectives
    people_rows = []
    for i, u in enumerate(users):
        if u.pk == admin.pk:
            continue
        private = Objective.Visibility.PRIVATE if i % 4 == 3 else Objective.Visibility.PUBLIC
        people_rows.append(
            objective(
                f"Goal of {u.username}",
                parent=team_objective[team_of[u.pk].pk],
                person=u,
                visibility=private,
            )
        )
    people_rows += [
        objective(f"Lead goal {i}", parent=s.objective, person=s.lead) for i in range(factor)
    ]
    people_objectives = bulk_create_with_history(people_rows, Objective)
    # Last quarter, graded: one objective per team, with a final review each.
    closed_objectives = bulk_create_with_history(
        [
            objective(
                f"Old goal of {t.name}",
                team=t,
                cycle=closed,
                status=Objective.Status.CLOSED,
                score=0.6,
            )
            for t in s.teams
        ],
        Objective,
    )
    objectives = [*root_objectives, *dept_objectives, *squad_objectives, *people_objectives]
    s.objectives = objectives

    # Key results: 2 per objective (metric and milestone, all directions), 2·f+1 on the focal one.
    kinds = round_robin(
        [
            dict(
                kind=KeyResult.Kind.METRIC,
                direction=KeyResult.Direction.INCREASE,
                start=0,
                target=100,
            ),
            dict(kind=KeyResult.Kind.MILESTONE, start=0, target=1),
            dict(
                kind=KeyResult.Kind.METRIC,
                direction=KeyResult.Direction.DECREASE,
                start=50,
                target=10,
            ),
            dict(
                kind=KeyResult.Kind.METRIC,
                direction=KeyResult.Direction.RANGE,
                start=0,
                target=1,
                range_low=2,
                range_high=8,
            ),
        ]
    )
    kr_rows = []
    for o in objectives:
        count = 2 * factor + 1 if o.pk == s.objective.pk else 2
        owner = o.owner_person or s.lead
        kr_rows += [
            KeyResult(
                objective=o,
                owner=owner,
                title=f"KR {p} of {o.title}",
                position=p,
                unit="%",
                **next(kinds),
            )
            for p in range(count)
        ]
    kr_rows += [
        KeyResult(objective=o, owner=s.lead, title=f"Old KR of {o.title}", score=0.6)
        for o in closed_objectives
    ]
    key_results = bulk_create_with_history(kr_rows, KeyResult)
    s.key_result = next(
        k
        for k in key_results
        if k.objective_id == s.objective.pk and k.kind == KeyResult.Kind.METRIC
    )
    steps = _saved(
        MilestoneStep,
        [
            MilestoneStep(key_result=k, title=f"Step {p}", weight=1 + p, position=p)
            for k in key_results[::8]
            if k.kind == KeyResult.Kind.MILESTONE
            for p in range(2)
        ],
    )
    steps_of: dict[int, list[MilestoneStep]] = {}
    for step in steps:
        steps_of.setdefault(step.key_result_id, []).append(step)

    # Check-ins: weekly, 2 per key result, 3·f on the focal one; the newest sets `current`.
    check_ins = []
    for k in key_results:
        weeks = 3 * factor if k.pk == s.key_result.pk else 2
        for w in range(weeks):
            at = now - timedelta(days=7 * (weeks - w), hours=k.pk % 24)
            if k.kind == KeyResult.Kind.MILESTONE:
                done_steps = [st.pk for st in steps_of.get(k.pk, [])[: w + 1]][:1]
                value = float(w == weeks - 1) if not steps_of.get(k.pk) else 0.5
            else:
                done_steps, value = [], k.start + (k.target - k.start) * (w + 1) / (weeks + 2)
            check_ins.append(
                CheckIn(
                    key_result=k,
                    author=k.owner,
                    value=value,
                    confidence=3 + (w + k.pk) % 7,
                    note=f"Week {w}",
                    done_steps=done_steps,
                    created_at=at,
                )
            )
    check_ins = _saved(CheckIn, check_ins)
    newest: dict[int, CheckIn] = {}
    for c in check_ins:
        if c.key_result_id not in newest or c.created_at > newest[c.key_result_id].created_at:
            newest[c.key_result_id] = c
    for k in key_results:
        if (c := newest.get(k.pk)) is not None:
            k.current, k.confidence, k.checked_in_at = c.value, c.confidence, c.created_at
    KeyResult.objects.bulk_update(key_results, ["current", "confidence", "checked_in_at"])
    for k_pk, k_steps in steps_of.items():
        done = set(newest[k_pk].done_steps) if k_pk in newest else set()
        for step in k_steps:
            step.done = step.pk in done
    MilestoneStep.objects.bulk_update(steps, ["done"])
    s.check_in = newest[s.key_result.pk]

    # KPIs: one per team, 3 weekly measurements; a few key results follow one.
    kpis = _saved(
        Kpi,
        [
            Kpi(team=t, owner=s.lead, name=f"KPI of {t.name}", unit="ms", green=90, red=50)
            for t in s.teams
        ],
    )
    measurements = []
    for i, kpi in enumerate(kpis):
        for w in range(3):
            value = [95, 70, 40][(i + w) % 3]
            health = "green" if value >= 90 else "red" if value < 50 else "yellow"
            measurements.append(
                Measurement(
                    kpi=kpi,
                    value=value,
                    date=today - timedelta(days=7 * (2 - w)),
                    health=health,
                    author=s.lead,
                )
            )
            if w == 2:
                kpi.latest_value, kpi.latest_date, kpi.health = value, measurements[-1].date, health
                kpi.red_streak = int(health == "red")
    Measurement.objects.bulk_create(measurements)
    Kpi.objects.bulk_update(kpis, ["latest_value", "latest_date", "health", "red_streak"])
    s.kpi = kpis[1]  # Engineering's
    following = [k for k in key_results[1::9] if k.kind == KeyResult.Kind.METRIC]
    for k, kpi in zip(following, round_robin(kpis)):
        k.kpi = kpi
    KeyResult.objects.bulk_update(following, ["kpi"])

    # Initiatives: one on each objective's first key result, 2·f on the focal one.
    firsts = {
        k.objective_id: k for k in reversed(key_results) if k.objective.cycle_id == quarter.pk
    }
    statuses = round_robin(Initiative.Status.values)
    Initiative.objects.bulk_create(
        [
            Initiative(key_result=k, title="Do it", owner=k.owner, status=next(statuses))
            for k in firsts.values()
        ]
        + [
            Initiative(
                key_result=s.key_result,
                title=f"Task {i}",
                owner=s.lead,
                position=i,
                status=next(statuses),
                due=today + timedelta(days=i),
            )
            for i in range(2 * factor)
        ]
    )

    # Comments: one per objective, 3·f on the focal objective, 2·f on its key result, f on
    # its newest check-in, with replies and reactions.
    people = round_robin(users)
    comment_rows = [
        Comment(objective=o, author=next(people), body="Nice", html="<p>Nice</p>")
        for o in objectives
    ]
    comment_rows += [
        Comment(
            objective=s.objective, author=next(people), body=f"On it {i}", html=f"<p>On it {i}</p>"
        )
        for i in range(3 * factor)
    ]
    comment_rows += [
        Comment(
            objective=s.objective,
            key_result=s.key_result,
            author=next(people),
            body="KR",
            html="<p>KR</p>",
        )
        for _ in range(2 * factor)
    ]
    comment_rows += [
        Comment(
            objective=s.objective,
            key_result=s.key_result,
            check_in=s.check_in,
            author=next(people),
            body="Check",
            html="<p>Check</p>",
        )
        for _ in range(factor)
    ]
    comments = _saved(Comment, comment_rows)
    _saved(
        Comment,
        [
            Comment(
                objective=c.objective,
                key_result=c.key_result,
                check_in=c.check_in,
                parent=c,
                author=next(people),
                body="Reply",
                html="<p>Reply</p>",
            )
            for c in comments[len(objectives) :: 2]
        ],
    )
    Reaction.objects.bulk_create(
        Reaction(comment=c, person=next(people), emoji=Reaction.Emoji.THUMBS_UP)
        for c in comments[::2]
    )
    Comment.mentions.through.objects.bulk_create(
        Comment.mentions.through(comment_id=c.pk, user_id=s.lead.pk) for c in comments[::3]
    )

    # Recognitions: 4·f, to two people each, some for a value and an objective.
    recognitions = _saved(
        Recognition,
        [
            Recognition(
                giver=next(people),
                message=f"Thanks {i}",
                html=f"<p>Thanks {i}</p>",
                value=values[i % 2] if i % 3 else None,
                objective=objectives[i % len(objectives)] if i % 2 else None,
                created_at=now - timedelta(hours=i),
            )
            for i in range(4 * factor)
        ],
    )
    receiver_rows = []
    for i, r in enumerate(recognitions):
        chosen = {
            users[(2 * i + 2) % len(users)].pk,
            s.lead.pk if i % 2 else users[(2 * i + 3) % len(users)].pk,
        }
        chosen.discard(r.giver_id)
        receiver_rows += [
            Recognition.receivers.through(recognition_id=r.pk, user_id=pk) for pk in chosen
        ]
    Recognition.receivers.through.objects.bulk_create(receiver_rows)
    Reaction.objects.bulk_create(
        Reaction(recognition=r, person=next(people), emoji=Reaction.Emoji.TADA)
        for r in recognitions
    )
    _saved(
        Comment,
        [
            Comment(recognition=r, author=next(people), body="Yes", html="<p>Yes</p>")
            for r in recognitions[::2]
        ],
    )

    # The feed, kept under a page at x1 so that a page grows with the factor: the team
    # objectives' creation, the focal objective's newest check-ins, its comments and the
    # recognitions.
    owner_of = {o.pk: (o.owner_team_id, o.owner_person_id) for o in objectives + closed_objectives}
    kr_by_pk = {k.pk: k for k in key_results}
    activities = [
        Activity(
            verb=Activity.Verb.OBJECTIVE_CREATED,
            actor=s.lead,
            objective=o,
            team_id=o.owner_team_id,
            person_id=o.owner_person_id,
            data={"objective_title": o.title},
            created_at=now - timedelta(days=50),
        )
        for o in objectives
        if o.owner_team_id
    ]
    for c in newest.values():
        k = kr_by_pk[c.key_result_id]
        if k.objective_id != s.objective.pk:
            continue
        team_id, person_id = owner_of[k.objective_id]
        activities.append(
            Activity(
                verb=Activity.Verb.CHECK_IN,
                actor=c.author,
                objective_id=k.objective_id,
                key_result=k,
                check_in=c,
                team_id=team_id,
                person_id=person_id,
                created_at=c.created_at,
                data={
                    "value": c.value,
                    "confidence": c.confidence,
                    "health": "on_track",
                    "objective_title": k.objective.title,
                    "key_result_title": k.title,
                },
            )
        )
    for c in comments[len(objectives) :]:
        team_id, person_id = owner_of[c.objective_id]
        activities.append(
            Activity(
                verb=Activity.Verb.COMMENT,
                actor=c.author,
                objective_id=c.objective_id,
                key_result_id=c.key_result_id,
                check_in_id=c.check_in_id,
                comment=c,
                team_id=team_id,
                person_id=person_id,
                created_at=now - timedelta(minutes=c.pk),
                data={"excerpt": c.body, "objective_title": c.objective.title},
            )
        )
    for r in recognitions:
        activities.append(
            Activity(
                verb=Activity.Verb.RECOGNITION,
                actor_id=r.giver_id,
                recognition=r,
                created_at=r.created_at,
                data={"receivers": ["Someone"], "excerpt": r.message},
            )
        )
    activities = _saved(Activity, activities)

    # Notifications for the two viewers: 4·f each, half read.
    Notification.objects.bulk_create(
        Notification(
            recipient=u,
            kind=Notification.Kind.COMMENT,
            title=f"News {i}",
            url="/feed/",
            activity=activities[i % len(activities)],
            read_at=now if i % 2 else None,
        )
        for u in (s.lead, admin)
        for i in range(4 * factor)
    )
    Follow.objects.bulk_create(
        [Follow(follower=s.lead, objective=o) for o in objectives[-factor:]]
        + [Follow(follower=s.lead, team=t) for t in sub_teams[-factor:]]
    )

    # Feedback: 4·f between people (the lead gives, receives, manages receivers), 2·f requests.
    reports = [by_name[f"lead{t.pk}"] for t in sub_teams[: 2 * factor]]
    visibilities = round_robin(Feedback.Visibility.values)
    feedback_rows = []
    for i in range(4 * factor):
        giver, receiver = (
            (s.lead, reports[i % len(reports)]) if i % 2 else (reports[i % len(reports)], s.lead)
        )
        if i % 4 == 3:
            giver, receiver = ceo, reports[i % len(reports)]
        feedback_rows.append(
            Feedback(
                giver=giver,
                receiver=receiver,
                body=f"Good {i}",
                visibility=next(visibilities),
                objective=s.objective if i % 3 == 0 else None,
            )
        )
    Feedback.objects.bulk_create(feedback_rows)
    FeedbackRequest.objects.bulk_create(
        FeedbackRequest(
            requester=s.lead if i % 2 else reports[i % len(reports)],
            asked=reports[i % len(reports)] if i % 2 else s.lead,
            about=f"Topic {i}",
            objective=s.objective if i % 2 else None,
        )
        for i in range(2 * factor)
    )

    # 1:1s: the lead with each report (2·f), the admin with f people; 2 meetings each.
    pairs = [(s.lead, r) for r in reports] + [(admin, users[2 + i]) for i in range(factor)]
    conversations = _saved(
        Conversation,
        [
            Conversation(person_a=a, person_b=b, title=f"{a.username} / {b.username}", created_by=a)
            for a, b in pairs
        ],
    )
    meetings = _saved(
        Meeting,
        [
            Meeting(
                conversation=c,
                scheduled_at=now + timedelta(days=7 * w - 7),
                status=Meeting.Status.DONE if w == 0 else Meeting.Status.SCHEDULED,
            )
            for c in conversations
            for w in range(2)
        ],
    )
    AgendaItem.objects.bulk_create(
        AgendaItem(
            meeting=m,
            author=m.conversation.person_a,
            text="Talk",
            objective=s.objective,
            key_result=s.key_result,
        )
        for m in meetings
    )
    ActionItem.objects.bulk_create(
        ActionItem(
            conversation=m.conversation,
            meeting=m,
            text="Do",
            due=today + timedelta(days=3),
            owner=m.conversation.person_b if i % 2 else m.conversation.person_a,
        )
        for i, m in enumerate(meetings)
    )
    s.conversation = conversations[0]

    # Requests to the lead: proposals of drafts, alignment requests to the focal objective,
    # dependencies on Engineering.
    drafts = bulk_create_with_history(
        [
            objective(f"Draft of {r.username}", person=r, status=Objective.Status.DRAFT)
            for r in reports[:factor]
        ],
        Objective,
    )
    Proposal.objects.bulk_create(
        Proposal(objective=d, proposer=d.owner_person, reviewer=s.lead) for d in drafts
    )
    others = [
        o for o in people_objectives if o.parent_id != s.objective.pk and o.visibility == "public"
    ]
    AlignmentRequest.objects.bulk_create(
        AlignmentRequest(objective=o, target=s.objective, requester=o.owner_person)
        for o in others[:factor]
    )
    Dependency.objects.bulk_create(
        Dependency(objective=o, team=engineering, requested_by=o.owner_person, note="Help")
        for o in others[factor : 2 * factor]
    )

    # Reviews of last quarter: a final review of each team objective and of each team.
    Review.objects.bulk_create(
        [
            Review(
                objective=o,
                cycle=closed,
                kind=Review.Kind.FINAL,
                author=s.lead,
                went_well="Much",
                diagnosis=Review.Diagnosis.ON_TRACK,
            )
            for o in closed_objectives
        ]
        + [
            Review(team=t, cycle=closed, kind=Review.Kind.MID, author=s.lead, went_well="Some")
            for t in s.teams
        ]
    )

    # Imports (by the lead and the admin) and API tokens (f each for a few people).
    ImportJob.objects.bulk_create(
        ImportJob(
            kind=ImportJob.Kind.OKRS,
            created_by=u,
            filename=f"okrs{i}.csv",
            file_format="csv",
            content=b"objective,owner\n",
            status=ImportJob.Status.VALID,
            report={"errors": [], "summary": {}},
        )
        for u in (s.lead, admin)
        for i in range(factor)
    )
    ApiToken.objects.bulk_create(
        ApiToken(
            user=u,
            name=f"script {i}",
            key_hash=ApiToken.hash(f"{u.pk}-{i}"),
            revoked_at=now if i % 3 == 2 else None,
            revoked_by=admin if i % 3 == 2 else None,
        )
        for u in (s.lead, admin, *reports)
        for i in range(factor)
    )
    return s
