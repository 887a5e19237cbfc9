"""`stretch generate`: a small synthetic company must look like one the app made itself."""

from collections import Counter, defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone

from stretch.kpis.models import Kpi
from stretch.okrs import grading, rollup
from stretch.okrs.models import CheckIn, Cycle, KeyResult, Objective
from stretch.org.models import Membership, Team
from stretch.reviews import services as reviews
from stretch.reviews.models import Review
from stretch.social.models import Activity
from stretch.synthetic.generate import Refused, generate

N = 60
User = get_user_model()


@pytest.fixture(scope="module")
def company(django_db_setup, django_db_blocker):
    """One company for the whole module (generating is the slow part), rolled back after."""
    cheap = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), cheap, transaction.atomic():
        yield generate(N, seed=3)
        transaction.set_rollback(True)


@pytest.fixture
def made(company, db):
    return company


def _depth(team: Team, parents: dict[int, int | None]) -> int:
    depth, pk = 0, team.pk
    while parents[pk] is not None:
        pk, depth = parents[pk], depth + 1
    return depth


def test_people_teams_and_managers(made):
    assert User.objects.count() == N
    teams = list(Team.objects.all())
    assert len(teams) == round(N / 11)
    parents = {t.pk: t.parent_id for t in teams}
    assert sum(p is None for p in parents.values()) == 1  # one company team
    assert max(_depth(t, parents) for t in teams) <= 4
    leads = Counter(Membership.objects.filter(role="lead").values_list("team_id", flat=True))
    assert set(leads) == set(parents) and set(leads.values()) == {1}
    lead_of = dict(Membership.objects.filter(role="lead").values_list("team_id", "person_id"))
    no_manager = []
    for user in User.objects.select_related("profile"):
        assert user.profile.display_name and user.profile.title
        home = (
            Membership.objects.filter(person=user)
            .exclude(role="member", person_id__in=lead_of.values())
            .get()
        )
        if user.profile.manager_id is None:
            no_manager.append(user)
        elif home.role == "lead":
            assert user.profile.manager_id == lead_of[parents[home.team_id]]
        else:
            assert user.profile.manager_id == lead_of[home.team_id]
    assert len(no_manager) == 1 and no_manager[0].pk == lead_of[next(
        pk for pk, parent in parents.items() if parent is None)]  # fmt: skip
    assert no_manager[0].is_superuser
    names = [p for p in User.objects.values_list("profile__display_name", flat=True)]
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in names)
    assert any(name.isascii() for name in names)


def test_cycles_one_year_three_closed_quarters_one_active(made):
    cycles = list(Cycle.objects.order_by("start", "-end"))
    assert len(cycles) == 5
    year, quarters = cycles[0], cycles[1:]
    assert all(year.covers(q) for q in quarters)
    assert [q.status for q in quarters] == ["closed", "closed", "closed", "active"]
    today = timezone.localdate()
    assert quarters[-1].start <= today <= quarters[-1].end


def test_key_results_show_their_newest_check_in(made):
    newest = {}
    for check_in in CheckIn.objects.order_by("key_result_id", "created_at", "id"):
        newest[check_in.key_result_id] = check_in
    assert len(newest) > 0
    now = timezone.now()
    for kr in KeyResult.objects.prefetch_related("steps"):
        last = newest.get(kr.pk)
        if last is None:
            assert kr.current is None and kr.checked_in_at is None
            continue
        assert (kr.current, kr.confidence, kr.checked_in_at) == (
            last.value,
            last.confidence,
            last.created_at,
        )
        assert last.created_at < now
        if kr.kind == "milestone" and kr.steps.all():
            assert sorted(s.pk for s in kr.steps.all() if s.done) == sorted(last.done_steps)
    # Every check-in is in the feed, once.
    assert Activity.objects.filter(verb="check_in").count() == CheckIn.objects.count()
    # About four hundred check-ins a person (four million at 10,000 people).
    assert 150 * N < CheckIn.objects.count() < 700 * N


def test_check_ins_fall_inside_their_cycle_before_today(made):
    today = timezone.localdate()
    for cycle_start, cycle_end, at in CheckIn.objects.values_list(
        "key_result__objective__cycle__start", "key_result__objective__cycle__end", "created_at"
    ):
        day = timezone.localdate(at)
        assert cycle_start <= day <= cycle_end and day < today


def test_objectives_align_within_their_cycle_and_teams(made):
    objectives = {o.pk: o for o in Objective.objects.select_related("cycle")}
    home = {}
    for person_id, team_id, role in Membership.objects.values_list("person_id", "team_id", "role"):
        if role == "lead" or person_id not in home:
            home[person_id] = team_id
    parent_team = dict(Team.objects.values_list("pk", "parent_id"))
    aligned = 0
    per_owner = defaultdict(int)
    for objective in objectives.values():
        per_owner[(objective.owner_person_id, objective.owner_team_id, objective.cycle_id)] += 1
        assert objective.key_results.count() in range(2, 6)
        if objective.parent_id is None:
            continue
        aligned += 1
        parent = objectives[objective.parent_id]
        assert parent.cycle.covers(objective.cycle)
        if objective.owner_person_id:
            assert parent.owner_team_id == home[objective.owner_person_id]
        elif parent_team[objective.owner_team_id] is not None:
            assert parent.owner_team_id == parent_team[objective.owner_team_id]
        else:  # the company's quarter under the company's year
            assert parent.owner_team_id == objective.owner_team_id
            assert (
                parent.cycle.start < objective.cycle.start or parent.cycle.end > objective.cycle.end
            )
    assert aligned > len(objectives) / 2
    assert set(per_owner.values()) <= {2, 3, 4, 5}
    kinds = set(KeyResult.objects.values_list("kind", "direction"))
    assert {("metric", "increase"), ("metric", "decrease"), ("metric", "range"),
            ("milestone", "increase")} <= kinds  # fmt: skip
    assert Objective.objects.filter(visibility="private").exists()
    assert Objective.objects.filter(kind="aspirational").exists()
    assert Objective.objects.filter(owner_team__parent=None, pillar__isnull=False).exists()


def test_grades_and_reviews_are_what_the_app_suggests(made):
    closed = Cycle.objects.filter(status="closed")
    objectives = list(Objective.objects.filter(cycle__in=closed).select_related("cycle")[:80])
    rollup.annotate(objectives)
    for objective in objectives:
        for kr in objective.key_result_list:
            assert kr.score == grading.suggested_key_result_score(kr)
        assert objective.score == grading.suggested_objective_score(objective)
        if objective.kind == "committed" and objective.score < 1.0:
            assert objective.reflection
    assert not Objective.objects.exclude(cycle__in=closed).filter(score__isnull=False).exists()
    finals = Review.objects.filter(kind="final", team__isnull=False).select_related("team", "cycle")
    assert finals.count() == Team.objects.count() * 3
    for review in finals[:10]:
        evidence = reviews.team_evidence(review.team, review.cycle)
        assert review.diagnosis == evidence.code
        assert review.diagnosis_data == evidence.data()


def test_kpis_show_their_newest_measurement(made):
    assert Kpi.objects.exists()
    for kpi in Kpi.objects.all():
        newest = kpi.measurements.order_by("-date").first()
        assert (kpi.latest_value, kpi.latest_date, kpi.health) == (
            newest.value,
            newest.date,
            newest.health,
        )


def test_every_foreign_key_holds(made):
    connection.check_constraints()  # SQLite: deferred checks; PostgreSQL: pending triggers
    if connection.vendor == "postgresql":
        # The load skips the foreign-key triggers: check every reference by a query.
        from django.apps import apps

        for model in apps.get_models(include_auto_created=True):
            for field in model._meta.concrete_fields:
                if field.many_to_one or field.one_to_one:
                    target = field.related_model
                    missing = model.objects.exclude(**{f"{field.name}__isnull": True}).exclude(
                        **{f"{field.attname}__in": target.objects.values("pk")}
                    )
                    assert not missing.exists(), f"{model.__name__}.{field.name}"


def test_pages_open_for_a_generated_person(made):
    member = User.objects.get(username=made.member)
    client = Client()
    client.force_login(member)
    objective = Objective.objects.filter(owner_person=member, cycle__status="active").first()
    team = Membership.objects.filter(person=member).first().team
    for url in ["/", f"/objectives/{objective.pk}/", f"/teams/{team.pk}/", "/company/",
                "/check-in/", "/explore/", "/people/"]:  # fmt: skip
        assert client.get(url).status_code == 200, url
    admin = User.objects.get(username=made.admin)
    assert admin.check_password("stretch-demo")


def test_refuses_a_database_with_people(made):
    with pytest.raises(Refused, match="already has 60 people"):
        generate(10)
    assert User.objects.count() == N
