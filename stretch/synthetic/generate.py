"""`stretch generate`: a synthetic company of N people, for benchmarks and trying Stretch at scale.

Everything is computed in Python from one `random.Random(seed)` and a base date (`today`,
by default the current date in the company's time zone) and written with COPY on
PostgreSQL (executemany on SQLite), with ids chosen here, in one transaction. The same
seed and base date give the same rows. Services are not used (they are far too slow for
millions of rows); instead the rows are made to satisfy what the services keep true:

- a key result's `current`, `confidence` and `checked_in_at` are its newest check-in's,
  and a milestone's steps are done as its newest check-in says;
- objectives align inside the cycle of their parent or one that covers it (quarter under
  the year), team objectives under the parent team's, personal ones under their team's;
- closed quarters carry the grades the grading page suggests (key results from their
  progress, objectives the weighted mean), a reflection on committed objectives short of
  1.0, and end-of-cycle reviews with the diagnosis the reviews app draws from the data;
- every check-in, new objective, grade, comment and recognition is in the activity feed;
- a KPI's latest value, health and red streak are its newest measurements'.

The company: teams in about five levels (one team per ~11 people, one lead each), a
manager line that follows the teams, 1 year + 4 quarters (3 closed, the one holding the
base date active), 2-4 objectives per person and team per quarter with 2-5 key results
each, weekly check-ins up to the day before the base date, and comments, recognitions,
feedback, 1:1s and KPIs at plausible rates.
"""

import json
import random
import time as clock
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from stretch import caching
from stretch.cfr.models import (
    ActionItem,
    AgendaItem,
    Conversation,
    Feedback,
    FeedbackRequest,
    Meeting,
    Recognition,
)
from stretch.kpis import health as kpi_health
from stretch.kpis.models import Kpi, Measurement
from stretch.okrs import progress as okr_math
from stretch.okrs.models import CheckIn, Cycle, KeyResult, MilestoneStep, Objective
from stretch.org.models import Company, CompanyValue, Membership, Profile, StrategyPillar, Team
from stretch.reviews import diagnosis
from stretch.reviews.models import Review
from stretch.social import markdown
from stretch.social.models import Activity, Comment, Follow, Reaction
from stretch.synthetic import words
from stretch.synthetic.bulk import Writer, is_postgresql, next_id

PASSWORD = "stretch-demo"
HistoricalObjective = Objective.history.model  # type: ignore[attr-defined]
HistoricalKeyResult = KeyResult.history.model  # type: ignore[attr-defined]
HistoricalReview = Review.history.model  # type: ignore[attr-defined]
HISTORY = {Objective: HistoricalObjective, KeyResult: HistoricalKeyResult}
COMPANY = "Globex Corporation"
TEAM_SIZE = 11  # people per team, on average
LEVELS = 4  # levels below the company team
FRIDAY = 4
PEOPLE_PER_GROUP = 300  # personal OKRs are made and written this many people at a time


class Refused(Exception):
    """The database is not empty (one line for the command to print)."""


def generate_command(people: int, seed: int = 1, today: date | None = None) -> None:
    """The `stretch generate` command: generate, print timings, counts and a login."""
    if people < 1:
        raise SystemExit("--people must be at least 1.")
    result = generate(people, seed=seed, today=today, out=print)
    caching.bump()  # COPY and bulk inserts send no signals: servers sharing the cache rebuild
    print(
        f"Sign in as {result.admin} (administrator) or {result.member} (a team member), "
        f"password {PASSWORD!r}."
    )


@dataclass
class Result:
    admin: str = ""
    member: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def refusal() -> str | None:
    """Why the database cannot take a generated company, or None when it is empty."""
    User = get_user_model()
    for model, what in ((User, "people"), (Objective, "objectives"), (Team, "teams")):
        count = model.objects.count()
        if count:
            return (
                f"The database already has {count} {what}; stretch generate fills an empty "
                f"database only (use a new one, e.g. a new STRETCH_DATA_DIR or DATABASE_URL)."
            )
    if Cycle.objects.exists():
        return "The database already has cycles; stretch generate fills an empty database only."
    return None


def generate(people: int, *, seed: int = 1, today: date | None = None, out=None) -> Result:
    """Fill the empty database with a company of `people` people; see the module doc."""
    if (reason := refusal()) is not None:
        raise Refused(reason)
    today = today or timezone.localdate()
    started = clock.perf_counter()
    with transaction.atomic():
        if is_postgresql():
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('is_superuser')")
                superuser = cursor.fetchone()[0] == "on"
                if superuser:
                    # The rows come in order and point only at rows written before them
                    # (the tests check every foreign key): skip the foreign-key triggers
                    # for this transaction, as pg_restore --disable-triggers does.
                    cursor.execute("SET LOCAL session_replication_role = replica")
                else:
                    # Check foreign keys row by row as the rows come, rather than queueing
                    # millions of deferred checks until the commit.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        gen = _Generator(people, seed, today, out or (lambda *_a: None))
        gen.run()
        gen.writer.reset_sequences()
        gen.phase("sequences")
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        gen.phase("analyze")
    elapsed = clock.perf_counter() - started
    result = Result(
        admin=gen.usernames[0],
        member=gen.usernames[gen.sample_member],
        counts=dict(gen.writer.counts),
        seconds=elapsed,
    )
    say = out or (lambda *_a: None)
    say("Rows per table:")
    for table, count in sorted(result.counts.items(), key=lambda kv: -kv[1]):
        say(f"  {table:40} {count:>10,}")
    say(f"  {'total':40} {sum(result.counts.values()):>10,}")
    say(f"Generated {people:,} people in {elapsed:.1f} s ({connection.vendor}).")
    return result


# Dates ------------------------------------------------------------------------------------


def _quarter_of(day: date) -> tuple[date, date, int]:
    q = (day.month - 1) // 3
    start = date(day.year, q * 3 + 1, 1)
    nxt = date(day.year + (q == 3), (q * 3 + 3) % 12 + 1, 1)
    return start, nxt - timedelta(days=1), q + 1


def _fridays(since: date, until: date) -> list[date]:
    """The weekly due days (Fridays, the teams' default weekday) from `since` to `until`."""
    first = since + timedelta(days=(FRIDAY - since.weekday()) % 7)
    days = []
    while first <= until:
        days.append(first)
        first += timedelta(days=7)
    return days


@dataclass
class _Cycle:
    pk: int
    name: str
    start: date
    end: date
    status: str
    due: list[date]  # every due day of the cycle
    until: date  # check-ins up to this day (the day before the base date, or the end)

    @property
    def closed(self) -> bool:
        return self.status == Cycle.Status.CLOSED


@dataclass
class _Team:
    pk: int
    name: str
    parent: int | None
    level: int
    lead: int = 0  # person index
    members: list[int] = field(default_factory=list)  # person indexes, lead first
    children: list[int] = field(default_factory=list)
    objectives: dict[int, list[int]] = field(default_factory=dict)  # cycle pk -> objective ids


# The generator ----------------------------------------------------------------------------


class _Generator:
    def __init__(self, people: int, seed: int, today: date, out) -> None:
        self.n = people
        self.rng = random.Random(seed)
        self.seed = seed
        self.today = today
        self.out = out
        self.tz = timezone.get_current_timezone()
        self.writer = Writer()
        self.mark = clock.perf_counter()
        self.User = get_user_model()

    def phase(self, name: str) -> None:
        now = clock.perf_counter()
        rows = sum(self.writer.counts.values())
        self.out(f"  {name:28} {now - self.mark:7.1f} s   ({rows:,} rows so far)")
        self.mark = now

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)

    def run(self) -> None:
        self.out(f"Generating a company of {self.n:,} people (seed {self.seed}, base date "
                 f"{self.today.isoformat()}, {connection.vendor}):")  # fmt: skip
        self.company()
        self.phase("company, values, pillars")
        self.org()
        self.phase("teams and people")
        self.cycles()
        self.okrs()
        self.phase("objectives and check-ins")
        self.reviews()
        self.phase("reviews")
        self.social()
        self.phase("comments and recognitions")
        self.cfr()
        self.phase("feedback and 1:1s")
        self.kpis()
        self.phase("KPIs")

    # Company ----------------------------------------------------------------------------

    def company(self) -> None:
        Company.objects.update_or_create(
            pk=1,
            defaults={
                "name": COMPANY,
                "mission": "Make every business run on clear goals.",
                "vision": "By 2030, the goal platform of one company in ten.",
            },
        )
        self.values = self.named_rows(CompanyValue, words.VALUES)
        self.pillars = self.named_rows(StrategyPillar, words.PILLARS)

    def named_rows(self, model, specs) -> list[int]:
        """The ids of the named values or pillars, written with ids of ours when missing
        (so a rolled-back run on PostgreSQL gives the same ids next time)."""
        known = dict(model.objects.values_list("name", "pk"))
        pk = next_id(model)
        rows = []
        for position, (name, description) in enumerate(specs):
            if name not in known:
                known[name] = pk
                rows.append({"id": pk, "name": name, "description": description,
                             "position": position})  # fmt: skip
                pk += 1
        self.writer.write_dicts(model, rows)
        return [known[name] for name, _text in specs]

    # Teams and people -------------------------------------------------------------------

    def _level_sizes(self, teams: int) -> list[int]:
        """How many teams on each level below the company, growing geometrically."""
        below = teams - 1
        if below <= 0:
            return []
        low, high = 0.01, float(below)
        for _ in range(60):
            b = (low + high) / 2
            if sum(b**k for k in range(1, LEVELS + 1)) < below:
                low = b
            else:
                high = b
        sizes, left = [], below
        for k in range(1, LEVELS + 1):
            size = left if k == LEVELS else min(left, max(1, round(low**k)))
            if size <= 0:
                break
            sizes.append(size)
            left -= size
        return sizes

    def org(self) -> None:
        rng = self.rng
        team_count = max(1, min(self.n, round(self.n / TEAM_SIZE)))
        first_team = next_id(Team)
        teams = [_Team(first_team, COMPANY, None, 0)]
        levels = [[0]]
        used_names: dict[str, int] = {}

        def name_for(level: int) -> str:
            pool = words.DEPARTMENTS if level == 1 else words.TEAM_WORDS
            base = rng.choice(pool)
            used_names[base] = used_names.get(base, 0) + 1
            return base if used_names[base] == 1 else f"{base} {used_names[base]}"

        for level, size in enumerate(self._level_sizes(team_count), start=1):
            parents = levels[-1]
            row = []
            for i in range(size):
                parent = parents[i] if i < len(parents) else rng.choice(parents)
                index = len(teams)
                teams.append(_Team(first_team + index, name_for(level), parent, level))
                teams[parent].children.append(index)
                row.append(index)
            levels.append(row)
        self.teams = teams

        # People: a lead for each team (in the team order), the others spread over the teams,
        # leaf teams four times as likely as the teams above them.
        weights = [1 if t.children else 4 for t in teams]
        extra = rng.choices(range(len(teams)), weights=weights, k=self.n - len(teams))
        sizes = [1] * len(teams)
        for index in extra:
            sizes[index] += 1
        order: list[int] = []  # team index of each person, lead first within a team
        for index, size in enumerate(sizes):
            order.extend([index] * size)
        first_user = next_id(self.User)
        self.user_ids = [first_user + i for i in range(self.n)]
        self.person_team = order
        for person, index in enumerate(order):
            team = teams[index]
            if not team.members:
                team.lead = person
            team.members.append(person)

        password = make_password(PASSWORD, salt=f"stretch{self.seed}")
        users: list[tuple] = []
        profiles: list[tuple] = []
        memberships: list[tuple] = []
        self.usernames: list[str] = []
        self.names: list[str] = []
        taken: dict[str, int] = {}
        first_profile, first_membership = next_id(Profile), next_id(Membership)
        for person, index in enumerate(order):
            team = teams[index]
            chinese = rng.random() < 0.35
            if chinese:
                family, family_py = rng.choice(words.CHINESE_FAMILY)
                given, given_py = rng.choice(words.CHINESE_GIVEN)
                first, last = given_py, family_py
                shown = family + given if rng.random() < 0.5 else f"{given_py} {family_py}"
            else:
                first = rng.choice(words.ENGLISH_GIVEN)
                last = rng.choice(words.ENGLISH_FAMILY)
                shown = f"{first} {last}"
            base = f"{first}.{last}".lower()
            taken[base] = taken.get(base, 0) + 1
            username = base if taken[base] == 1 else f"{base}{taken[base]}"
            self.usernames.append(username)
            self.names.append(shown)
            lead = team.lead == person
            if lead and team.level == 0:
                title, manager = words.LEAD_TITLES[0], None
            elif lead:
                title = f"{words.LEAD_TITLES[min(team.level, 4)]}, {team.name}"
                manager = self.user_ids[teams[team.parent].lead]  # type: ignore[index]
            else:
                title, manager = rng.choice(words.MEMBER_TITLES), self.user_ids[team.lead]
            joined = self.at(self.today - timedelta(days=rng.randint(60, 2000)), 9)
            admin = person == 0
            users.append(
                (self.user_ids[person], password, None, admin, username, first, last,
                 f"{username}@globex.example", admin, True, joined)
            )  # fmt: skip
            profiles.append(
                (first_profile + person, self.user_ids[person], shown, title, manager,
                 "zh-hans" if chinese and rng.random() < 0.5 else "", "UTC")
            )  # fmt: skip
            memberships.append(
                (first_membership + len(memberships), self.user_ids[person], team.pk,
                 "lead" if lead else "member")
            )  # fmt: skip
            if lead and team.parent is not None:  # a lead sits in the team above too
                memberships.append(
                    (first_membership + len(memberships), self.user_ids[person],
                     teams[team.parent].pk, "member")
                )  # fmt: skip
        self.sample_member = next(
            (p for p in range(self.n) if teams[order[p]].lead != p and teams[order[p]].level),
            0,
        )
        w = self.writer
        w.write(
            Team,
            ["id", "name", "parent_id", "description", "check_in_cadence", "check_in_weekday"],
            ((t.pk, t.name, teams[t.parent].pk if t.parent is not None else None, "",
              "weekly", FRIDAY) for t in teams),
        )  # fmt: skip
        w.write(
            self.User,
            ["id", "password", "last_login", "is_superuser", "username", "first_name",
             "last_name", "email", "is_staff", "is_active", "date_joined"],
            users,
        )  # fmt: skip
        w.write(
            Profile,
            ["id", "user_id", "display_name", "title", "manager_id", "locale", "timezone"],
            profiles,
        )
        w.write(Membership, ["id", "person_id", "team_id", "role"], memberships)

    # Cycles -----------------------------------------------------------------------------

    def cycles(self) -> None:
        start, end, number = _quarter_of(self.today)
        quarters = [(start, end, number)]
        for _ in range(3):
            quarters.insert(0, _quarter_of(quarters[0][0] - timedelta(days=1)))
        year_start, year_end = quarters[0][0], quarters[-1][1]
        year_name = (
            str(year_end.year)
            if year_start.year == year_end.year
            else f"FY {year_start.year}/{year_end.year % 100:02d}"
        )
        yesterday = self.today - timedelta(days=1)
        specs = [(year_name, year_start, year_end, Cycle.Status.ACTIVE)] + [
            (f"{s.year} Q{q}", s, e, Cycle.Status.ACTIVE if e >= self.today else "closed")
            for s, e, q in quarters
        ]
        self.cycle_list: list[_Cycle] = []
        first = next_id(Cycle)
        for i, (name, s, e, status) in enumerate(specs):
            self.cycle_list.append(
                _Cycle(first + i, name, s, e, status, _fridays(s, e), min(e, yesterday))
            )
        self.writer.write_dicts(
            Cycle,
            [
                {"id": c.pk, "name": c.name, "start": c.start, "end": c.end, "status": c.status,
                 "cadence": "weekly", "closes_on": None, "auto_advance": True}
                for c in self.cycle_list
            ],
        )  # fmt: skip
        self.year, self.quarters = self.cycle_list[0], self.cycle_list[1:]

    # Objectives, key results, check-ins -------------------------------------------------

    def okrs(self) -> None:
        self.ids = {
            m: next_id(m)
            for m in (Objective, KeyResult, MilestoneStep, CheckIn, Activity,
                      HistoricalObjective, HistoricalKeyResult)
        }  # fmt: skip
        self.buffer: dict[str, list] = defaultdict(list)
        self.team_objectives: list[dict] = []  # for the reviews
        # (id, cycle, author, owner team, owner person) of the public objectives
        self.public_objectives: list[tuple[int, int, int, int | None, int | None]] = []
        self.first_kr: dict[int, int] = {}  # public objective -> its first key result
        teams = self.teams
        # The company's (root team's) objectives: the year under the pillars, each quarter
        # under the year's; then each level of teams under the level above, per cycle.
        by_level: dict[int, list[_Team]] = defaultdict(list)
        for team in teams:
            by_level[team.level].append(team)
        for level in sorted(by_level):
            for team in by_level[level]:
                lead = team.lead
                owners = team.members or [lead]
                if level <= 1:
                    parents = (
                        [] if team.parent is None else teams[team.parent].objectives[self.year.pk]
                    )
                    self.objectives_of(team=team, cycle=self.year, count=(3, 5) if level == 0
                                       else (2, 3), parents=parents, author=lead, owners=owners)  # fmt: skip
                for cycle in self.quarters:
                    parents = (
                        teams[team.parent].objectives[cycle.pk]
                        if team.parent is not None
                        else team.objectives[self.year.pk]
                    )
                    self.objectives_of(team=team, cycle=cycle, count=(2, 4), parents=parents,
                                       author=lead, owners=owners)  # fmt: skip
            self.flush()
        self.phase("team objectives")
        for first in range(0, self.n, PEOPLE_PER_GROUP):
            for person in range(first, min(self.n, first + PEOPLE_PER_GROUP)):
                team = teams[self.person_team[person]]
                for cycle in self.quarters:
                    self.objectives_of(person=person, cycle=cycle, count=(2, 4),
                                       parents=team.objectives[cycle.pk], author=person,
                                       owners=[person])  # fmt: skip
            self.flush()

    def new_id(self, model) -> int:
        pk = self.ids[model]
        self.ids[model] = pk + 1
        return pk

    def objectives_of(self, *, cycle: _Cycle, count, parents, author, owners,
                      team: _Team | None = None, person: int | None = None) -> None:  # fmt: skip
        rng = self.rng
        made = team.objectives.setdefault(cycle.pk, []) if team is not None else []
        titles = rng.sample(words.OBJECTIVE_TITLES, rng.randint(*count))
        for title in titles:
            pk = self.new_id(Objective)
            private = rng.random() < (0.08 if person is not None else 0.02)
            pillar: int | None
            if team is not None and team.level == 0:
                pillar = rng.choice(self.pillars)
            else:
                pillar = rng.choice(self.pillars) if rng.random() < 0.1 else None
            parent = rng.choice(parents) if parents and rng.random() < 0.9 else None
            aspirational = rng.random() < 0.3
            draft = not cycle.closed and cycle is not self.year and rng.random() < 0.01
            created = self.at(cycle.start - timedelta(days=rng.randint(0, 10)), 10,
                              rng.randint(0, 59))  # fmt: skip
            row: dict[str, Any] = {
                "id": pk, "cycle_id": cycle.pk, "title": title,
                "owner_person_id": self.user_ids[person] if person is not None else None,
                "owner_team_id": team.pk if team is not None else None,
                "description": "", "strategy": rng.choice(words.STRATEGIES),
                "parent_id": parent, "pillar_id": pillar,
                "kind": "aspirational" if aspirational else "committed",
                "visibility": "private" if private else "public",
                "status": "draft" if draft else "active", "stop_reason": "",
                "score": None, "score_reason": "", "reflection": "", "origin_id": None,
                "version": 1, "created_at": created, "updated_at": created,
            }  # fmt: skip
            actor = self.user_ids[author]
            self.history(Objective, row, actor)
            krs = self.key_results_of(row, cycle, owners, actor, active=not draft)
            if cycle.closed:
                mean = okr_math.weighted_mean((kr["score"], kr["weight"]) for kr in krs)
                row["score"] = okr_math.suggest_grade(mean or 0.0)
                if not aspirational and row["score"] < 1.0:
                    row["reflection"] = rng.choice(words.REFLECTIONS)
                graded = self.at(cycle.end + timedelta(days=rng.randint(1, 10)), 15)
                row["updated_at"] = graded
                self.activity("graded", actor, row, at=graded, data={"score": row["score"]})
            elif krs and any(kr["checked_in_at"] for kr in krs):
                row["updated_at"] = max(kr["checked_in_at"] or created for kr in krs)
            self.buffer["objectives"].append(row)
            if not draft:
                self.activity("objective_created", actor, row, at=created, data={})
            if team is not None:
                self.team_objectives.append(
                    {"team": team, "row": row, "cycle": cycle, "krs": krs, "author": actor}
                )
            if not private and not draft:
                self.public_objectives.append(
                    (pk, cycle.pk, actor, row["owner_team_id"], row["owner_person_id"])
                )
            made.append(pk)

    def key_results_of(self, objective: dict, cycle: _Cycle, owners, actor, active: bool):
        rng = self.rng
        krs = []
        for position, spec in enumerate(rng.sample(words.KEY_RESULTS, rng.choices(
                (2, 3, 4, 5), weights=(30, 35, 25, 10))[0])):  # fmt: skip
            title, kind, direction, start, target, unit = spec
            owner = rng.choice(owners) if rng.random() < 0.4 else owners[0]
            pk = self.new_id(KeyResult)
            row: dict[str, Any] = {
                "id": pk, "objective_id": objective["id"], "owner_id": self.user_ids[owner],
                "title": title, "kind": kind, "direction": direction, "start": 0.0,
                "target": 1.0, "current": None, "range_low": None, "range_high": None,
                "unit": unit, "weight": rng.choices((1.0, 2.0, 0.5), weights=(80, 15, 5))[0],
                "confidence": None, "checked_in_at": None, "score": None, "score_reason": "",
                "origin_id": None, "position": position, "kpi_id": None, "kpi_factor": 1.0,
                "version": 1, "created_at": objective["created_at"],
                "updated_at": objective["created_at"],
            }  # fmt: skip
            if kind == "metric" and direction == "range":
                row["range_low"], row["range_high"] = float(start), float(target)
            elif kind == "metric":
                scale = 1.0 if unit == "%" else rng.choice((0.5, 0.8, 1.0, 1.5, 2.0, 3.0))
                whole = float(start).is_integer() and float(target).is_integer()
                s, t = start * scale, target * scale
                row["start"], row["target"] = (round(s), round(t)) if whole else (
                    round(s, 2), round(t, 2))  # fmt: skip
                if row["start"] == row["target"]:
                    row["target"] = row["start"] + (1 if direction == "increase" else -1)
            steps = []
            if kind == "milestone" and rng.random() < 0.5:
                for i, step_title in enumerate(rng.sample(words.MILESTONE_STEPS,
                                                          rng.randint(3, 5))):  # fmt: skip
                    steps.append(
                        {"id": self.new_id(MilestoneStep), "key_result_id": pk,
                         "title": step_title, "weight": float(rng.choice((1, 1, 2))),
                         "done": False, "position": i}
                    )  # fmt: skip
            self.history(KeyResult, row, actor)
            self.check_ins(row, steps, objective, cycle, owner, active)
            self.buffer["key_results"].append(row)
            self.buffer["steps"].extend(steps)
            krs.append(row)
            if objective["visibility"] == "public":
                self.first_kr.setdefault(objective["id"], pk)
        return krs

    def check_ins(self, kr: dict, steps: list[dict], objective: dict, cycle: _Cycle,
                  owner: int, active: bool) -> None:  # fmt: skip
        """Weekly check-ins from the start of the cycle to the day before the base date:
        the value moves along a path to the key result's fate (how far it gets)."""
        rng = self.rng
        kind, direction = kr["kind"], kr["direction"]
        total = max(1, len(cycle.due))
        due = [d for d in cycle.due if d <= cycle.until] if active else []
        # People differ in how faithfully they check in; some stop for a while.
        rate = rng.choices((0.95, 0.8, 0.5, 0.2), weights=(50, 30, 15, 5))[0]
        fate = max(0.0, rng.gauss(0.8 if objective["kind"] == "aspirational" else 0.95, 0.3))
        bend = rng.uniform(0.6, 1.6)
        base_conf = rng.randint(5, 9)
        start, target = kr["start"], kr["target"]
        whole = float(start).is_integer() and float(target).is_integer() and kr["unit"] != "%"
        step_week = [
            rng.randint(1, max(1, int(total * 1.3))) if rng.random() < fate else total + 99
            for _ in steps
        ]
        done_week = rng.randint(max(1, total // 2), int(total * 1.4) + 1)
        author = self.user_ids[owner]
        obj_id, team_id, person_id = (objective["id"], objective["owner_team_id"],
                                      objective["owner_person_id"])  # fmt: skip
        span = max(1, (cycle.end - cycle.start).days)
        last = None
        checked_days: list[date] = []
        ins = self.buffer["check_ins"]
        acts = self.buffer["activities"]
        for week, day in enumerate(due, start=1):
            if rng.random() > rate:
                continue
            x = week / total
            done_steps: list[int] = []
            if kind == "milestone" and steps:
                done_steps = [s["id"] for s, w in zip(steps, step_week, strict=True) if w <= week]
                value = 1.0 if len(done_steps) == len(steps) else 0.0
                progress = sum(s["weight"] for s, w in zip(steps, step_week, strict=True)
                               if w <= week) / sum(s["weight"] for s in steps)  # fmt: skip
            elif kind == "milestone":
                value = 1.0 if week >= done_week else 0.0
                progress = value
            elif direction == "range":
                low, high = kr["range_low"], kr["range_high"]
                mid, half = (low + high) / 2, (high - low) / 2
                spread = rng.uniform(1.1, 1.6) if rng.random() < 0.12 else rng.uniform(0, 0.9)
                value = round(mid + rng.choice((-1, 1)) * half * spread, 2)
                progress = okr_math.range_progress(low, high, value)
            else:
                moved = fate * x**bend + rng.gauss(0, 0.03)
                value = start + (target - start) * moved
                value = float(round(value)) if whole else round(value, 2)
                progress = okr_math.metric_progress(start, target, value)
            behind = x - progress
            confidence = max(1, min(10, base_conf - (2 if behind > 0.3 else 0)
                                    + rng.choice((-1, 0, 0, 1))))  # fmt: skip
            when = day - timedelta(days=1 if rng.random() < 0.3 else 0)
            at = self.at(max(when, cycle.start), rng.randint(9, 17), rng.randint(0, 59))
            pk = self.new_id(CheckIn)
            note = rng.choice(words.CHECK_IN_NOTES)
            ins.append((pk, kr["id"], author, float(value), confidence, note,
                        json.dumps(done_steps), at, None))  # fmt: skip
            expected = okr_math.clamp((at.date() - cycle.start).days / span)
            health = okr_math.health(progress, expected, confidence)
            acts.append((self.new_id(Activity), "check_in", author, obj_id, kr["id"], pk,
                         None, None, team_id, person_id,
                         f'{{"value": {float(value)!r}, "confidence": {confidence}, '
                         f'"health": "{health}"}}', at))  # fmt: skip
            last = (value, confidence, at, done_steps, progress)
            checked_days.append(at.date())
            if progress >= 1.0 and kind == "milestone":
                break  # done: no more check-ins owed
        if last is not None:
            kr["current"], kr["confidence"], kr["checked_in_at"] = last[0], last[1], last[2]
            kr["updated_at"] = last[2]
            done = set(last[3])
            for step in steps:
                step["done"] = step["id"] in done
        progress = last[4] if last is not None else 0.0
        kr["progress"] = progress
        if cycle.closed:
            kr["score"] = okr_math.suggest_key_result_grade(kind, progress)
        # The rhythm the end-of-cycle review judges: due periods met by a check-in.
        since = max(cycle.start, objective["created_at"].date())
        periods = [d for d in cycle.due if since <= d <= min(cycle.end, self.today)]
        kr["rhythm"] = (diagnosis.checked_periods(checked_days, periods, since), len(periods))

    def history(self, model, row: dict, actor: int) -> None:
        historical = HISTORY[model]
        self.buffer[f"history:{model.__name__}"].append(
            {**row, "history_id": self.new_id(historical),
             "history_date": row["created_at"], "history_change_reason": None,
             "history_type": "+", "history_user_id": actor}
        )  # fmt: skip

    def activity(self, verb, actor, objective: dict | None, *, at, data, **refs) -> None:
        self.buffer["activities"].append(
            (self.new_id(Activity), verb, actor, objective["id"] if objective else None,
             refs.get("key_result"), refs.get("check_in"), refs.get("comment"),
             refs.get("recognition"),
             objective["owner_team_id"] if objective else None,
             objective["owner_person_id"] if objective else None, json.dumps(data), at)
        )  # fmt: skip

    ACTIVITY_COLUMNS = ["id", "verb", "actor_id", "objective_id", "key_result_id",
                        "check_in_id", "comment_id", "recognition_id", "team_id",
                        "person_id", "data", "created_at"]  # fmt: skip
    CHECK_IN_COLUMNS = ["id", "key_result_id", "author_id", "value", "confidence", "note",
                        "done_steps", "created_at", "measurement_id"]  # fmt: skip

    def flush(self) -> None:
        """Write what the buffer holds, parents before children."""
        w, b = self.writer, self.buffer
        w.write_dicts(Objective, b.pop("objectives", []))
        w.write_dicts(HistoricalObjective, b.pop("history:Objective", []))
        w.write_dicts(KeyResult, b.pop("key_results", []))
        w.write_dicts(HistoricalKeyResult, b.pop("history:KeyResult", []))
        w.write_dicts(MilestoneStep, b.pop("steps", []))
        w.write(CheckIn, self.CHECK_IN_COLUMNS, b.pop("check_ins", []))
        self.flush_activities()

    def flush_activities(self) -> None:
        self.writer.write(Activity, self.ACTIVITY_COLUMNS, self.buffer.pop("activities", []))

    # Reviews ----------------------------------------------------------------------------

    def reviews(self) -> None:
        """Final reviews of the closed quarters (each team, and its objectives), mid-cycle
        reviews of the active quarter's team objectives, each with its creation history."""
        from stretch.reviews.services import explain

        rng = self.rng
        rows: list[dict[str, Any]] = []
        first = next_id(Review)
        by_team: dict[tuple[int, int], list[dict]] = defaultdict(list)
        for item in self.team_objectives:
            if item["cycle"] is not self.year:
                by_team[(item["team"].pk, item["cycle"].pk)].append(item)

        def texts() -> dict:
            return {k: rng.choice(v) for k, v in words.REVIEW_TEXTS.items()}

        def evidence(items: list[dict], team: bool) -> dict:
            scores = [i["row"]["score"] for i in items]
            checked = sum(kr["rhythm"][0] for i in items for kr in i["krs"])
            periods = sum(kr["rhythm"][1] for i in items for kr in i["krs"])
            score = diagnosis.mean(scores) if items else None
            return {
                "score": None if score is None else round(score, 4),
                "graded": bool(items),
                "checked": checked,
                "periods": periods,
                "cadence": "weekly" if items else "",
                "key_results": sum(len(i["krs"]) for i in items),
                "objectives": len(items),
                "team": team,
            }

        for (team_pk, cycle_pk), items in by_team.items():
            cycle = items[0]["cycle"]
            author = items[0]["author"]
            public = [i for i in items if i["row"]["visibility"] == "public"]
            subjects: list[tuple[str, int | None, int | None, list[dict], bool]] = []
            if cycle.closed:
                subjects.append(("final", None, team_pk, public, True))
                for item in items:
                    if rng.random() < 0.5:
                        subjects.append(("final", item["row"]["id"], None, [item], False))
            elif rng.random() < 0.3:
                subjects.append(("mid", None, team_pk, public, True))
            for kind, objective, team, subject_items, is_team in subjects:
                when = self.at(cycle.end + timedelta(days=rng.randint(2, 12)) if kind == "final"
                               else cycle.start + timedelta(days=40), 14)  # fmt: skip
                when = min(when, self.at(self.today - timedelta(days=1), 14))
                row = {"id": first + len(rows), "objective_id": objective, "team_id": team,
                       "cycle_id": cycle_pk, "kind": kind, "author_id": author,
                       "diagnosis": "", "diagnosis_data": "{}", "explanation": "",
                       "version": 1, "created_at": when, "updated_at": when, **texts()}  # fmt: skip
                if kind == "final":
                    data = evidence(subject_items, is_team)
                    code = diagnosis.diagnose(data["score"], data["checked"], data["periods"])
                    row["diagnosis"], row["diagnosis_data"] = code, json.dumps(data)
                    row["explanation"] = explain(code, data)
                rows.append(row)
        self.writer.write_dicts(Review, rows)
        history_first = next_id(HistoricalReview)
        self.writer.write_dicts(
            HistoricalReview,
            [
                {**row, "history_id": history_first + i, "history_date": row["created_at"],
                 "history_change_reason": None, "history_type": "+",
                 "history_user_id": row["author_id"]}
                for i, row in enumerate(rows)
            ],
        )  # fmt: skip

    # Comments, reactions, recognitions, follows -----------------------------------------

    def social(self) -> None:
        rng = self.rng
        html = {body: markdown.render(body).html for body in words.COMMENTS}
        comments: list[dict[str, Any]] = []
        reactions: list[dict[str, Any]] = []
        first_comment, first_reaction = next_id(Comment), next_id(Reaction)
        cycles = {c.pk: c for c in self.cycle_list}
        public = self.public_objectives
        # About one comment thread per three people per quarter, a third with a reply.
        owner_of: dict[int, dict[str, Any]] = {}
        for _ in range(max(1, self.n * 4 // 3)):
            pk, cycle_pk, owner, team_id, person_id = rng.choice(public)
            cycle = cycles[cycle_pk]
            day = cycle.start + timedelta(
                days=rng.randint(3, max(3, (cycle.until - cycle.start).days))
            )
            if day >= self.today:
                continue
            at = self.at(day, rng.randint(9, 18), rng.randint(0, 59))
            body = rng.choice(words.COMMENTS)
            author = self.user_ids[rng.randrange(self.n)]
            kr = None
            if rng.random() < 0.2:
                kr = self.first_kr.get(pk)
            cid = first_comment + len(comments)
            comments.append({"id": cid, "objective_id": pk, "key_result_id": kr,
                             "check_in_id": None, "recognition_id": None, "parent_id": None,
                             "author_id": author, "body": body, "html": html[body],
                             "created_at": at, "edited_at": None, "deleted_at": None})  # fmt: skip
            owner_of[cid] = {"id": pk, "owner_team_id": team_id, "owner_person_id": person_id}
            if rng.random() < 0.33 and at + timedelta(hours=3) < self.at(self.today, 0):
                reply = rng.choice(words.COMMENTS)
                comments.append({**comments[-1], "id": cid + 1, "parent_id": cid,
                                 "author_id": owner, "body": reply, "html": html[reply],
                                 "created_at": at + timedelta(hours=2)})  # fmt: skip
            if rng.random() < 0.4:
                reactions.append({"id": first_reaction + len(reactions), "comment_id": cid,
                                  "recognition_id": None, "person_id": owner,
                                  "emoji": rng.choice(("👍", "❤️", "🎉", "🚀")),
                                  "created_at": at + timedelta(hours=1)})  # fmt: skip
        # Recognitions: about one per person a year, to one to three colleagues.
        kudos_html = {m: markdown.render(m).html for m in words.RECOGNITIONS}
        recognitions: list[dict[str, Any]] = []
        receivers: list[tuple] = []
        first_recognition = next_id(Recognition)
        through = Recognition.receivers.through
        first_through = next_id(through)
        for _ in range(self.n):
            giver = rng.randrange(self.n)
            team = self.teams[self.person_team[giver]]
            pool = [p for p in team.members if p != giver] or [(giver + 1) % self.n]
            chosen = rng.sample(pool, min(len(pool), rng.choice((1, 1, 1, 2, 3))))
            if not chosen or chosen == [giver]:
                continue
            day = self.today - timedelta(days=rng.randint(1, 360))
            at = self.at(day, rng.randint(9, 18), rng.randint(0, 59))
            message = rng.choice(words.RECOGNITIONS)
            rid = first_recognition + len(recognitions)
            linked = None
            if rng.random() < 0.3 and public:
                linked = rng.choice(public)[0]
            recognitions.append({"id": rid, "giver_id": self.user_ids[giver],
                                 "message": message, "html": kudos_html[message],
                                 "value_id": rng.choice(self.values) if rng.random() < 0.8
                                 else None, "objective_id": linked, "created_at": at})  # fmt: skip
            for person in chosen:
                receivers.append((first_through + len(receivers), rid, self.user_ids[person]))
            for person in rng.sample(range(self.n), min(self.n, rng.randint(0, 3))):
                reactions.append({"id": first_reaction + len(reactions), "comment_id": None,
                                  "recognition_id": rid, "person_id": self.user_ids[person],
                                  "emoji": "🎉", "created_at": at + timedelta(hours=1)})  # fmt: skip
            self.buffer["activities"].append(
                (self.new_id(Activity), "recognition", self.user_ids[giver], None, None, None,
                 None, rid, None, None,
                 json.dumps({"message": message, "receivers": [self.user_ids[p] for p in chosen]}),
                 at)
            )  # fmt: skip
        w = self.writer
        w.write_dicts(Recognition, recognitions)
        w.write(through, ["id", "recognition_id", "user_id"], receivers)
        for comment in comments:
            objective = owner_of.get(comment["id"]) or owner_of.get(comment["parent_id"])
            self.activity("comment", comment["author_id"], objective, at=comment["created_at"],
                          data={}, comment=comment["id"], key_result=comment["key_result_id"])  # fmt: skip
        w.write_dicts(Comment, comments)
        w.write_dicts(Reaction, reactions)
        self.flush_activities()
        # Follows: some people follow a team besides their own, or a colleague.
        follows: list[dict[str, Any]] = []
        seen: set[tuple] = set()
        first_follow = next_id(Follow)
        for _ in range(self.n // 3):
            follower = self.user_ids[rng.randrange(self.n)]
            if rng.random() < 0.5:
                key = (follower, "team", rng.choice(self.teams).pk)
            else:
                key = (follower, "person", self.user_ids[rng.randrange(self.n)])
            if key in seen or key[2] == follower:
                continue
            seen.add(key)
            follows.append({"id": first_follow + len(follows), "follower_id": follower,
                            "objective_id": None, "team_id": key[2] if key[1] == "team" else None,
                            "person_id": key[2] if key[1] == "person" else None,
                            "following": True, "created_at": self.at(self.today - timedelta(days=30), 9)})  # fmt: skip
        w.write_dicts(Follow, follows)

    # Feedback and 1:1s ------------------------------------------------------------------

    def cfr(self) -> None:
        rng = self.rng
        n, ids = self.n, self.user_ids
        requests: list[dict[str, Any]] = []
        feedback: list[tuple[int, int, int | None, datetime]] = []
        first_request, first_feedback = next_id(FeedbackRequest), next_id(Feedback)
        for _ in range(n // 2):
            requester, asked = rng.sample(range(n), 2) if n > 1 else (0, 0)
            if requester == asked:
                continue
            at = self.at(self.today - timedelta(days=rng.randint(2, 200)), 11)
            state = rng.choices(("answered", "pending", "declined"), weights=(70, 25, 5))[0]
            rid = first_request + len(requests)
            requests.append({"id": rid, "requester_id": ids[requester], "asked_id": ids[asked],
                             "about": rng.choice(words.FEEDBACK_ABOUT), "question": "",
                             "objective_id": None, "state": state,
                             "decline_reason": "No time this month." if state == "declined" else "",
                             "created_at": at,
                             "answered_at": at + timedelta(days=1) if state != "pending" else None})  # fmt: skip
            if state == "answered":
                feedback.append((ids[asked], ids[requester], rid, at + timedelta(days=1)))
        for _ in range(n * 2):
            if n < 2:
                break
            giver = rng.randrange(n)
            team = self.teams[self.person_team[giver]]
            pool = [p for p in team.members if p != giver]
            receiver = rng.choice(pool) if pool and rng.random() < 0.7 else rng.randrange(n)
            if receiver == giver:
                continue
            at = self.at(self.today - timedelta(days=rng.randint(1, 360)), 15)
            feedback.append((ids[giver], ids[receiver], None, at))
        self.writer.write_dicts(FeedbackRequest, requests)
        self.writer.write_dicts(
            Feedback,
            [
                {"id": first_feedback + i, "giver_id": g, "receiver_id": r,
                 "body": rng.choice(words.FEEDBACK),
                 "visibility": rng.choices(("private", "manager", "public"), (60, 30, 10))[0],
                 "objective_id": None, "request_id": req, "created_at": at}
                for i, (g, r, req, at) in enumerate(feedback)
            ],
        )  # fmt: skip
        # A 1:1 between every manager and each report: every other week for twelve weeks,
        # the next one ahead; agenda items on the recent ones, an action item each.
        conversations: list[dict[str, Any]] = []
        meetings: list[dict[str, Any]] = []
        agenda: list[dict[str, Any]] = []
        actions: list[dict[str, Any]] = []
        ids_c, ids_m = next_id(Conversation), next_id(Meeting)
        ids_a, ids_i = next_id(AgendaItem), next_id(ActionItem)
        for team in self.teams:
            lead = team.lead
            for person in team.members:
                if person == lead:
                    continue
                cid = ids_c + len(conversations)
                created = self.at(self.today - timedelta(days=90), 9)
                title = f"{self.names[lead]} / {self.names[person]}"
                conversations.append({"id": cid, "person_a_id": ids[lead],
                                      "person_b_id": ids[person], "title": title[:200],
                                      "cadence": "biweekly", "template": "",
                                      "created_by_id": ids[lead], "created_at": created})  # fmt: skip
                hour = rng.randint(9, 16)
                first_day = self.today - timedelta(days=84 - rng.randint(0, 6))
                for k in range(7):
                    day = first_day + timedelta(days=14 * k)
                    mid = ids_m + len(meetings)
                    past = day < self.today
                    meetings.append({"id": mid, "conversation_id": cid,
                                     "scheduled_at": self.at(day, hour),
                                     "shared_notes": "Talked through the quarter." if past else "",
                                     "status": "done" if past else "scheduled"})  # fmt: skip
                    if k >= 5:
                        for j, text in enumerate(rng.sample(words.AGENDA, 2)):
                            agenda.append({"id": ids_a + len(agenda), "meeting_id": mid,
                                           "author_id": ids[person if j else lead], "text": text,
                                           "objective_id": None, "key_result_id": None,
                                           "done": past, "position": j,
                                           "created_at": self.at(day - timedelta(days=3), 9)})  # fmt: skip
                due = self.today + timedelta(days=rng.randint(-10, 14))
                done = due < self.today and rng.random() < 0.7
                actions.append({"id": ids_i + len(actions), "conversation_id": cid,
                                "meeting_id": None, "owner_id": ids[person],
                                "text": rng.choice(words.ACTIONS), "due": due,
                                "done_at": self.at(due, 17) if done else None,
                                "created_at": self.at(self.today - timedelta(days=20), 10)})  # fmt: skip
        w = self.writer
        w.write_dicts(Conversation, conversations)
        w.write_dicts(Meeting, meetings)
        w.write_dicts(AgendaItem, agenda)
        w.write_dicts(ActionItem, actions)

    # KPIs -------------------------------------------------------------------------------

    def kpis(self) -> None:
        """One or two KPIs for each team on the top three levels, measured weekly for a
        year; the KPI's latest value, health and red streak are its newest readings'."""
        rng = self.rng
        kpis: list[dict[str, Any]] = []
        measurements: list[tuple] = []
        first_kpi, first_measurement = next_id(Kpi), next_id(Measurement)
        weeks = 52
        for team in self.teams:
            if team.level > 2:
                continue
            for name, unit, band, centre, spread in rng.sample(words.KPIS, rng.randint(1, 2)):
                kid = first_kpi + len(kpis)
                limits = {k: band.get(k) for k in ("green", "red", "green_low", "green_high",
                                                    "red_low", "red_high")}  # fmt: skip
                judge = kpi_health.Band(band["band"], **limits)  # type: ignore[arg-type]
                drift = rng.gauss(0, spread / 10)
                readings = []
                for week in range(weeks, 0, -1):  # oldest first
                    day = self.today - timedelta(days=7 * week)
                    value = round(centre + drift * (weeks - week) / 4 + rng.gauss(0, spread), 2)
                    readings.append((day, value, kpi_health.health(judge, value)))
                streak = 0
                for _day, _value, colour in reversed(readings):
                    if colour != kpi_health.RED:
                        break
                    streak += 1
                last_day, last_value, last_health = readings[-1]
                owner = self.user_ids[team.lead]
                created = self.at(self.today - timedelta(days=7 * weeks + 3), 9)
                kpis.append({"id": kid, "team_id": team.pk, "owner_id": owner, "name": name,
                             "description": "", "unit": unit, "cadence": "weekly",
                             "band": band["band"], **limits, "archived": False,
                             "latest_value": last_value, "latest_date": last_day,
                             "health": last_health, "red_streak": streak,
                             "recovery_id": None, "version": 1, "created_at": created,
                             "updated_at": self.at(last_day, 12)})  # fmt: skip
                for day, value, colour in readings:
                    measurements.append((first_measurement + len(measurements), kid, value,
                                         day, colour, "", owner, self.at(day, 12)))  # fmt: skip
        self.writer.write_dicts(Kpi, kpis)
        self.writer.write(
            Measurement,
            ["id", "kpi_id", "value", "date", "health", "note", "author_id", "created_at"],
            measurements,
        )
