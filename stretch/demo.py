"""The demo company: a small robotics firm with a year of OKRs, for trying Stretch out.

Loading is idempotent: every record is found by its natural key first, so a second run
changes nothing. Dates follow the day of the first load (the current year and quarter).
"""

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from stretch.okrs import grading, phases, rollup
from stretch.okrs import services as okrs
from stretch.okrs.models import Cycle, KeyResult, MilestoneStep, Objective
from stretch.org.models import Company, CompanyValue, Membership, Profile, StrategyPillar, Team
from stretch.reviews import services as reviews

PASSWORD = "stretch-demo"
LOGIN = "alice"
ADMIN = "mei"
OTHER_LOGINS = ["mei", "bob", "erik"]

TEAMS = [  # name, parent
    ("Northwind Robotics", None),
    ("Engineering", "Northwind Robotics"),
    ("Platform", "Engineering"),
    ("Mobile", "Engineering"),
    ("Sales & Marketing", "Northwind Robotics"),
    ("Growth", "Sales & Marketing"),
    ("People", "Northwind Robotics"),
]

PEOPLE = [  # username, name, title, manager, team, role
    ("mei", "Mei Chen", "Chief Executive Officer", None, "Northwind Robotics", "lead"),
    ("alice", "Alice Martin", "VP Engineering", "mei", "Engineering", "lead"),
    ("bob", "Bob Okafor", "Platform Lead", "alice", "Platform", "lead"),
    ("chen", "Chen Wei", "Backend Engineer", "bob", "Platform", "member"),
    ("dana", "Dana Ruiz", "Mobile Lead", "alice", "Mobile", "lead"),
    ("erik", "Erik Larsen", "iOS Engineer", "dana", "Mobile", "member"),
    ("fatima", "Fatima Haddad", "VP Sales & Marketing", "mei", "Sales & Marketing", "lead"),
    ("hana", "Hana Sato", "Growth Lead", "fatima", "Growth", "lead"),
    ("ivan", "Ivan Petrov", "Account Executive", "fatima", "Sales & Marketing", "member"),
    ("julia", "Julia Novak", "People Partner", "mei", "People", "lead"),
]

PILLARS = ["Delight customers", "Scale the platform", "Grow revenue", "A great place to work"]

MISSION = "Make every warehouse run itself, safely."
VISION = "By 2030, one in ten warehouses in Asia and Europe runs on Northwind robots."
VALUES = [
    ("Customers first", "We start from what the customer needs and finish when they have it."),
    ("Own the outcome", "We see a thing through, past the hand-over."),
    ("Say it plainly", "We share bad news early and in few words."),
    ("Learn fast", "We try, measure and change course without blame."),
]

# Objectives: key, cycle ("year" or "quarter"), owner ("team:Name" or "person:username"),
# title, parent key, pillar, kind, visibility, key results.
# A key result: (title, kind/direction, start, target, unit, weight, path) where path is the
# share of the way reached by today (metric) or the steps done (milestone).
OBJECTIVES = [
    # The quarter before this one, graded and closed: scores, a miss and what it taught.
    (
        "prev-deploys",
        "previous",
        "team:Platform",
        "Make releases a non-event",
        None,
        None,
        "committed",
        "public",
        [
            ("Deploys per week", "increase", 3, 15, "deploys", 1, 1.0),
            ("Rollback rate", "decrease", 8, 2, "%", 1, 0.6),
        ],
    ),
    (
        "prev-hiring",
        "previous",
        "person:alice",
        "Build a team that ships without heroics",
        None,
        None,
        "aspirational",
        "public",
        [
            ("On-call pages per week", "decrease", 40, 10, "pages", 2, 0.45),
            ("Runbooks written", "increase", 0, 12, "runbooks", 1, 0.5),
        ],
    ),
    (
        "trusted",
        "year",
        "team:Northwind Robotics",
        "Become the warehouse robot customers trust most",
        None,
        "Delight customers",
        "committed",
        "public",
        [
            ("Net Promoter Score", "increase", 32, 50, "", 1, 0.7),
            ("Critical incidents per month", "decrease", 12, 2, "", 1, 0.6),
        ],
    ),
    (
        "markets",
        "year",
        "team:Northwind Robotics",
        "Grow into new markets",
        None,
        "Grow revenue",
        "aspirational",
        "public",
        [
            ("Annual recurring revenue", "increase", 8, 14, "M EUR", 2, 0.55),
            (
                "Open the Singapore office",
                "milestone",
                ["Lease signed", "First hire", "First customer"],
                None,
                "",
                1,
                2,
            ),
        ],
    ),
    (
        "reliable",
        "quarter",
        "team:Engineering",
        "Make the platform boringly reliable",
        "trusted",
        "Scale the platform",
        "committed",
        "public",
        [
            ("Monthly uptime", "range", 99.9, 100, "%", 1, 99.95),
            ("p95 API latency", "decrease", 450, 200, "ms", 1, 0.5),
            (
                "Multi-region failover live",
                "milestone",
                ["Design review", "Staging drill", "Production drill"],
                None,
                "",
                1,
                1,
            ),
        ],
    ),
    (
        "incidents",
        "quarter",
        "team:Platform",
        "Cut the on-call load in half",
        "reliable",
        None,
        "committed",
        "public",
        [
            ("Pages per week", "decrease", 20, 10, "pages", 1, 0.8),
            ("Runbooks for the top alerts", "increase", 0, 10, "runbooks", 1, 0.9),
        ],
    ),
    (
        "scheduler",
        "quarter",
        "person:chen",
        "Ship the new job scheduler",
        "incidents",
        None,
        "committed",
        "public",
        [
            ("Scheduler handles all nightly jobs", "milestone", None, None, "", 1, False),
            ("Jobs retried by hand per week", "decrease", 30, 0, "jobs", 1, 0.4),
        ],
    ),
    (
        "mobile",
        "quarter",
        "team:Mobile",
        "Customers love the mobile app",
        "trusted",
        None,
        "aspirational",
        "public",
        [
            ("App store rating", "increase", 3.9, 4.5, "stars", 1, 0.35),
            ("Crash-free sessions", "increase", 97, 99.5, "%", 1, 0.6),
        ],
    ),
    (
        "senior",
        "quarter",
        "person:erik",
        "Grow into a senior engineer",
        "mobile",
        None,
        "aspirational",
        "private",
        [
            ("Design docs written and reviewed", "increase", 0, 3, "docs", 1, 0.34),
            ("Mentor a new hire through onboarding", "milestone", None, None, "", 1, True),
        ],
    ),
    (
        "pipeline",
        "quarter",
        "team:Sales & Marketing",
        "Build the pipeline for next year",
        "markets",
        None,
        "committed",
        "public",
        [
            ("Qualified leads", "increase", 120, 300, "leads", 1, 0.45),
            ("Win rate", "increase", 18, 25, "%", 1, 0.2),
        ],
    ),
    (
        "partners",
        "quarter",
        "team:Growth",
        "Launch the partner programme",
        "pipeline",
        None,
        "aspirational",
        "public",
        [
            ("Partners signed", "increase", 0, 8, "partners", 2, 0.5),
            (
                "Partner portal live",
                "milestone",
                ["Pricing agreed", "Portal beta", "Launch event"],
                None,
                "",
                1,
                1,
            ),
        ],
    ),
    (
        "hiring",
        "quarter",
        "team:People",
        "Hire the people our plan needs",
        None,
        "A great place to work",
        "committed",
        "public",
        [
            ("Engineers hired", "increase", 0, 6, "people", 1, 0.5),
            ("Offer acceptance rate", "increase", 70, 85, "%", 1, 0.7),
        ],
    ),
    (
        "leaders",
        "quarter",
        "person:alice",
        "Grow a bench of engineering leaders",
        "hiring",
        "A great place to work",
        "aspirational",
        "public",
        [
            ("Engineers mentored into a lead role", "increase", 0, 3, "people", 1, 0.34),
            (
                "Leadership course for new leads",
                "milestone",
                ["Pick a course", "Run the first cohort"],
                None,
                "",
                1,
                1,
            ),
        ],
    ),
]

# Key results whose owner has not checked in for two weeks, so "due this week" shows them.
STALE = {"Engineers mentored into a lead role"}


def _quarter_bounds(day: date) -> tuple[date, date, int]:
    quarter = (day.month - 1) // 3
    start = date(day.year, quarter * 3 + 1, 1)
    end_month = quarter * 3 + 3
    end = (date(day.year + (end_month // 12), end_month % 12 + 1, 1)) - timedelta(days=1)
    return start, end, quarter + 1


class _Counter:
    def __init__(self) -> None:
        self.created = 0

    def add(self, was_created: bool) -> None:
        self.created += int(was_created)


def load(today: date | None = None) -> int:
    """Load the demo company; returns how many records were created (0 when already there)."""
    today = today or timezone.localdate()
    if get_user_model().objects.filter(username=ADMIN).exists() and Cycle.objects.exists():
        # Loaded before (the load is one transaction); a later quarter adds nothing.
        return 0
    counter = _Counter()
    with transaction.atomic():
        people = _org(counter)
        cycles = _cycles(today, counter)
        _objectives(people, cycles, today, counter)
        _grade_previous(people, cycles["previous"])
        _conversations(people, counter)
        _kpis(people, counter)
    return counter.created


REFLECTIONS = {
    "Make releases a non-event": "The rollback rate stalled at 3 %: flaky integration tests "
    "hid real failures. Next quarter we quarantine them first.",
    "Build a team that ships without heroics": "Pages halved, not quartered: the noisiest "
    "alerts belong to another team, and we asked too late.",
}


def _grade_previous(people: dict, cycle: Cycle) -> None:
    """Grade the previous quarter as its owners would have, then close it."""
    if cycle.status == Cycle.Status.CLOSED:
        return
    admin = people[ADMIN]
    cycle = phases.set_phase(admin, cycle, Cycle.Status.GRADING)
    for objective in Objective.objects.filter(cycle=cycle).select_related("cycle"):
        for kr in objective.key_results.all():
            rollup.annotate_key_results([kr], cycle)
            grading.grade_key_result(admin, kr, grading.suggested_key_result_score(kr))
        grading.grade_objective(admin, objective, reflection=REFLECTIONS.get(objective.title, ""))
        if objective.owner_team_id is not None:
            reviews.write_review(
                admin,
                objective=objective,
                cycle=cycle,
                kind="final",
                went_well="Deploys tripled; nobody stayed late for a release.",
                went_badly="Rollbacks did not fall below 3 %.",
                learned="Flaky tests cost more than slow ones.",
                change_next="Quarantine flaky tests before adding new ones.",
            )
    phases.set_phase(admin, cycle, Cycle.Status.CLOSED)


# Talk around the OKRs: (author, objective title, key result title or None, body, replies).
COMMENTS = [
    (
        "bob",
        "Ship the new job scheduler",
        None,
        "Great pace, @chen. Is the **cron cut-over** still planned before the freeze?",
        [
            ("chen", "Yes: the last 40 jobs move next week, then we switch cron off."),
            ("alice", "Thanks both. Shout if you need help from Mobile on the push jobs."),
        ],
    ),
    (
        "dana",
        "Cut the on-call load in half",
        None,
        "The noisiest alerts come from the mobile gateway; we will fix them on our side. @bob",
        [],
    ),
    (
        "fatima",
        "Customers love the mobile app",
        None,
        "Our two biggest customers asked about offline mode this week, a good sign.",
        [("erik", "Offline sync is in the next TestFlight build.")],
    ),
]


def _conversations(people: dict, counter: _Counter) -> None:
    """Comments with mentions and replies, reactions, follows, a proposal waiting for
    agreement, an alignment request and a dependency: the talk a live company has."""
    from stretch.okrs import alignment_requests, dependencies
    from stretch.okrs.agreement import propose
    from stretch.social import comments, follows
    from stretch.social.models import Comment

    if Comment.objects.exists():
        return
    quarter = {o.title: o for o in Objective.objects.filter(cycle__status=Cycle.Status.ACTIVE)}
    for author, title, _kr, body, replies in COMMENTS:
        objective = quarter.get(title)
        if objective is None:
            continue
        first = comments.create_comment(people[author], objective=objective, body=body)
        counter.add(True)
        for who, text in replies:
            comments.create_comment(people[who], objective=objective, body=text, parent=first)
            counter.add(True)
        comments.react(people["alice"] if author != "alice" else people["mei"], first, "👍")
    follows.set_following(people["alice"], following=True, team=people["teams"]["Growth"])
    follows.set_following(people["mei"], following=True, person=people["alice"])
    teams = people["teams"]
    scheduler = quarter.get("Ship the new job scheduler")
    if scheduler is not None:
        dependencies.add_dependency(
            people["chen"],
            scheduler,
            teams["Mobile"],
            "Mobile's push jobs must move to the new scheduler too.",
        )
    # A draft Erik proposes to his manager Dana, who has not answered yet.
    draft = okrs.create_objective(
        people["erik"],
        cycle=scheduler.cycle if scheduler is not None else Cycle.objects.first(),
        title="Make the iOS app start in under a second",
        owner_person=people["erik"],
        status=Objective.Status.DRAFT,
    )
    okrs.create_key_result(
        people["erik"], draft, title="Cold start time", direction="decrease", start=2.4,
        target=1.0, unit="s",
    )  # fmt: skip
    propose(people["erik"], draft, "A stretch, but startup time is our top review complaint.")
    mobile = quarter.get("Customers love the mobile app")
    if mobile is not None:
        alignment_requests.request_alignment(
            people["erik"], draft, mobile, "Fast starts are what customers notice first."
        )
    counter.add(True)
    _one_on_one(people, quarter)
    _recognitions(people, quarter, counter)
    _initiatives(people, quarter)


# The work under a key result: (objective, key result) -> (title, owner, status, days to due).
INITIATIVES = {
    ("Make the platform boringly reliable", "p95 API latency"): [
        ("Cache the catalogue reads", "bob", "done", -9),
        ("Move search to the read replica", "chen", "doing", 12),
        ("Trim the auth middleware", "bob", "todo", -2),
    ],
    ("Make the platform boringly reliable", "Multi-region failover live"): [
        ("Write the failover runbook", "alice", "doing", 20),
    ],
    ("Ship the new job scheduler", "Scheduler handles all nightly jobs"): [
        ("Move the last 40 cron jobs", "chen", "doing", 6),
        ("Port the billing export", "chen", "dropped", None),
    ],
}


def _initiatives(people: dict, quarter: dict) -> None:
    from stretch.okrs import initiatives

    today = timezone.localdate()
    for (objective, kr_title), work in INITIATIVES.items():
        kr = KeyResult.objects.filter(objective=quarter.get(objective), title=kr_title).first()
        for title, owner, status, days in work if kr is not None else []:
            due = today + timedelta(days=days) if days is not None else None
            initiatives.create(
                people[ADMIN], kr, title=title, owner=people[owner], status=status, due=due
            )


# Kudos: (giver, receivers, value, objective title or None, message, backdated days,
# comments [(author, text)]).
RECOGNITIONS = [
    (
        "bob", ["chen"], "Own the outcome", "Ship the new job scheduler",
        "Chen stayed with the scheduler migration until the last cron job moved, and wrote "
        "the runbook nobody asked for.", 6, [("alice", "The runbook already saved us a page.")],
    ),
    (
        "dana", ["erik"], "Customers first", "Customers love the mobile app",
        "Erik read every one-star review from last quarter and fixed the top three.", 3, [],
    ),
    (
        "alice", ["bob", "dana"], "Say it plainly", None,
        "Bob and Dana called the gateway outage early and wrote a clear, blameless review.",
        1, [("mei", "This is how we want incidents handled. Thank you both.")],
    ),
]  # fmt: skip


def _recognitions(people: dict, quarter: dict, counter: _Counter) -> None:
    """Kudos on the wall over the last week, with a value, a linked objective, a comment
    and reactions."""
    from stretch.cfr import recognition
    from stretch.cfr.models import Recognition
    from stretch.social import comments

    values = {v.name: v for v in CompanyValue.objects.all()}
    for giver, receivers, value, title, message, days, replies in RECOGNITIONS:
        objective = quarter.get(title) if title else None
        kudos = recognition.give(
            people[giver],
            receivers=[people[name].pk for name in receivers],
            message=message,
            value=values.get(value),
            objective=objective
            if objective is not None and objective.visibility == "public"
            else None,
        )
        when = timezone.now() - timedelta(days=days)
        Recognition.objects.filter(pk=kudos.pk).update(created_at=when)
        kudos.activities.update(created_at=when)
        counter.add(True)
        for author, text in replies:
            comments.create_comment(people[author], recognition=kudos, body=text)
        for name in ("mei", "julia"):
            if name != giver:
                recognition.react(people[name], kudos, "🎉")


def _one_on_one(people: dict, quarter: dict) -> None:
    """Alice's weekly 1:1 with Bob, the next one in two days, with a talking point on a
    key result (its live progress shows on the page) and an action item."""
    from stretch.cfr import services as cfr

    alice, bob = people["alice"], people["bob"]
    when = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
    talk = cfr.create_conversation(
        alice,
        participants=[alice.pk, bob.pk],
        title="Alice / Bob weekly",
        cadence="weekly",
        first_meeting_at=when + timedelta(days=2),
        template="weekly",
    )
    incidents = quarter.get("Cut the on-call load in half")
    kr = incidents.key_results.first() if incidents is not None else None
    cfr.add_agenda_item(
        bob,
        talk,
        text="Pages are flat for two weeks: what is in the way?",
        key_result=kr.pk if kr is not None else None,
    )
    cfr.add_action_item(
        alice, talk, text="Ask Mobile for the gateway alert owners", owner=alice.pk,
        due=timezone.localdate() + timedelta(days=5),
    )  # fmt: skip


# KPIs: (team, name, unit, band and limits, owner, weekly values oldest first). Support
# tickets end red twice in a row, so its page offers a recovery objective.
KPIS = [
    ("Platform", "API uptime", "%", {"band": "above", "green": 99.9, "red": 99.5}, "bob",
     [99.95, 99.97, 99.92, 99.88, 99.93, 99.96, 99.94, 99.98]),
    ("Platform", "Support tickets per 100 orders", "", {"band": "below", "green": 2, "red": 4},
     "chen", [1.8, 1.6, 2.1, 2.6, 3.2, 4.4, 4.9]),
    ("Mobile", "Crash-free sessions", "%", {"band": "above", "green": 99.5, "red": 99}, "dana",
     [99.7, 99.6, 99.4, 99.3, 99.45]),
]  # fmt: skip


def _kpis(people: dict, counter: _Counter) -> None:
    from stretch.kpis import services as kpis

    today = timezone.localdate()
    for team, name, unit, band, owner, values in KPIS:
        kpi = kpis.create_kpi(
            people[ADMIN], team=people["teams"][team], name=name, unit=unit,
            owner=people[owner], **band,
        )  # fmt: skip
        counter.add(True)
        for i, value in enumerate(values):  # oldest first, as they were measured
            day = today - timedelta(weeks=len(values) - 1 - i)
            kpis.add_measurement(people[owner], kpi, value=value, date=day)


def _org(counter: _Counter) -> dict:
    company = Company.load()
    if not company.mission:
        company.name, company.mission = "Northwind Robotics", MISSION
        company.vision = VISION
        company.save()
        counter.add(True)
    for position, (name, description) in enumerate(VALUES):
        _v, created = CompanyValue.objects.get_or_create(
            name=name, defaults={"position": position, "description": description}
        )
        counter.add(created)
    for position, name in enumerate(PILLARS):
        _p, created = StrategyPillar.objects.get_or_create(
            name=name, defaults={"position": position}
        )
        counter.add(created)
    teams: dict[str, Team] = {}
    for name, parent in TEAMS:
        teams[name], created = Team.objects.get_or_create(
            name=name, parent=teams.get(parent) if parent else None
        )
        counter.add(created)
    User = get_user_model()
    people: dict[str, object] = {"teams": teams}
    for username, name, title, manager, team, role in PEOPLE:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@northwind.example",
                "first_name": name.split()[0],
                "last_name": name.split()[-1],
                "is_staff": username == ADMIN,
                "is_superuser": username == ADMIN,
            },
        )
        if created:
            user.set_password(PASSWORD)
            user.save()
        counter.add(created)
        _profile, created = Profile.objects.get_or_create(
            user=user,
            defaults={"display_name": name, "title": title, "manager": people.get(manager)},
        )
        counter.add(created)
        _m, created = Membership.objects.get_or_create(
            person=user, team=teams[team], defaults={"role": role}
        )
        counter.add(created)
        people[username] = user
    return people


def _cycles(today: date, counter: _Counter) -> dict[str, Cycle]:
    q_start, q_end, quarter = _quarter_bounds(today)
    prev_start, prev_end, prev_quarter = _quarter_bounds(q_start - timedelta(days=1))
    specs = {
        "year": (str(today.year), date(today.year, 1, 1), date(today.year, 12, 31), "active"),
        "quarter": (f"{today.year} Q{quarter}", q_start, q_end, "active"),
        # Loaded as if it ran (check-ins, grades), then closed by `_grade_previous`.
        "previous": (f"{prev_start.year} Q{prev_quarter}", prev_start, prev_end, "active"),
    }
    cycles = {}
    for key, (name, start, end, status) in specs.items():
        cycles[key], created = Cycle.objects.get_or_create(
            name=name, defaults={"start": start, "end": end, "status": status}
        )
        counter.add(created)
    return cycles


def _objectives(people: dict, cycles: dict[str, Cycle], today: date, counter: _Counter) -> None:
    admin = people[ADMIN]
    teams = people["teams"]
    made: dict[str, Objective] = {}
    for key, cycle_key, owner, title, parent, pillar, kind, visibility, krs in OBJECTIVES:
        cycle = cycles[cycle_key]
        existing = Objective.objects.filter(cycle=cycle, title=title).first()
        if existing is not None:
            made[key] = existing
            continue
        owner_type, owner_name = owner.split(":")
        # Written by its owner (a team's by its lead), as the feed then tells.
        author = (
            people[owner_name]
            if owner_type == "person"
            else _team_lead(teams[owner_name], people) or admin
        )
        objective = okrs.create_objective(
            author,
            cycle=cycle,
            title=title,
            owner_person=people[owner_name] if owner_type == "person" else None,
            owner_team=teams[owner_name] if owner_type == "team" else None,
            parent=made.get(parent) if parent else None,
            pillar=StrategyPillar.objects.get(name=pillar) if pillar else None,
            kind=kind,
            visibility=visibility,
        )
        counter.add(True)
        made[key] = objective
        for spec in krs:
            _key_result(admin, objective, spec, people, today, counter)


def _key_result(admin, objective: Objective, spec, people, today: date, counter: _Counter) -> None:
    title, shape, start, target, unit, weight, path = spec
    owner = objective.owner_person or _team_lead(objective.owner_team, people)
    if shape == "milestone":
        steps = [{"title": s} for s in (start or [])]
        kr = okrs.create_key_result(
            admin, objective, title=title, kind="milestone", unit=unit, weight=weight,
            owner=owner, steps=steps,
        )  # fmt: skip
    elif shape == "range":
        kr = okrs.create_key_result(
            admin, objective, title=title, direction="range", range_low=start,
            range_high=target, unit=unit, weight=weight, owner=owner,
        )  # fmt: skip
    else:
        kr = okrs.create_key_result(
            admin, objective, title=title, direction=shape, start=start, target=target,
            unit=unit, weight=weight, owner=owner,
        )  # fmt: skip
    counter.add(True)
    # Written when its cycle began, as the check-ins that follow assume.
    began = timezone.make_aware(datetime.combine(objective.cycle.start, time(9)))
    KeyResult.objects.filter(pk=kr.pk).update(created_at=min(began, timezone.now()))
    kr.refresh_from_db()
    _history(admin, kr, shape, path, today, counter)


def _team_lead(team: Team, people: dict):
    lead = Membership.objects.filter(team=team, role=Membership.Role.LEAD).first()
    return lead.person if lead else None


def _history(admin, kr: KeyResult, shape: str, path, today: date, counter: _Counter) -> None:
    """Weekly check-ins from the cycle's start up to today, moving along `path`."""
    cycle = kr.objective.cycle
    last = min(today, cycle.end)
    if kr.title in STALE:
        last = max(cycle.start, last - timedelta(days=14))
    author = kr.owner or admin
    weeks = max(1, (last - cycle.start).days // 7)
    tz = timezone.get_current_timezone()
    notes = ["Steady week.", "Blocked on a dependency, unblocked Thursday.", "Good momentum.", ""]
    for week in range(1, weeks + 1):
        # At least one check-in, even in a cycle's first week; none later than now, or it
        # would outrank the check-ins people make today.
        day = min(cycle.start + timedelta(days=7 * week), last)
        at = min(timezone.make_aware(datetime.combine(day, time(16, 30)), tz), timezone.now())
        share = week / weeks
        confidence = 8 - (week % 3) if shape != "decrease" else 6 + (week % 2)
        note = notes[week % len(notes)]
        if shape == "milestone":
            steps = list(MilestoneStep.objects.filter(key_result=kr))
            if steps:
                done_ids = [s.pk for s in steps[: round(path * share)]]
                okrs.check_in(author, kr, steps=done_ids, confidence=confidence, note=note, at=at)
            else:
                done = bool(path) and week == weeks
                okrs.check_in(author, kr, done=done, confidence=confidence, note=note, at=at)
        elif shape == "range":
            value = path if week % 4 else path - 0.1
            okrs.check_in(author, kr, value=value, confidence=confidence, note=note, at=at)
        else:
            value = kr.start + (kr.target - kr.start) * path * share
            okrs.check_in(
                author, kr, value=round(value, 2), confidence=confidence, note=note, at=at
            )
        counter.add(True)
