"""Analytics of a cycle (`stretch.reviews.analytics`): exact numbers on a small company.

The Spring cycle runs from Monday 5 January to Monday 30 March 2026 (84 days); the clock
stands on Monday 16 February, half way (expected progress 50 %).

| objective | owner | kind | progress | score |
| --- | --- | --- | --- | --- |
| Faster builds | Platform | committed | (0.8 + 0.3) / 2 = 0.55 | 0.6 |
| Ship the scheduler | alice | aspirational | (0.75 + 1) / 2 = 0.875 | 0.9 |
| Private plan (private) | alice | committed | 0.2 | 0.2 |
| Sell more seats | Sales | committed | (0 + 1) / 2 = 0.5 | none |
| Grow the company (no KRs) | Testco | aspirational | mean(0.55, 0.5) = 0.525 | none |
| Stopped early (stopped) | bob | committed | 1.0 | 1.0 |
| Draft idea (draft: not counted) | dave | committed | none | none |
"""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db.models import Case, When

from stretch.okrs import rhythm
from stretch.okrs import services as okrs
from stretch.okrs.models import Cycle, KeyResult, Objective
from stretch.okrs.progress import is_stale, key_result_progress
from stretch.okrs.rollup import steps_of
from stretch.org.models import Cadence
from stretch.reviews import analytics

START, END = date(2026, 1, 5), date(2026, 3, 30)
NOW = datetime(2026, 2, 16, 9, 0, tzinfo=UTC)


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2026, 1, 5, 8, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def metric(owner, objective, title, *, target=10.0, start=0.0, **fields) -> KeyResult:
    return okrs.create_key_result(
        owner, objective, title=title, start=start, target=target, **fields
    )


@pytest.fixture
def spring(company, clock):
    """The company of the table above, built on the cycle's first day, seen on 16 February."""
    c = company
    c.sales.check_in_cadence = Cadence.BIWEEKLY
    c.sales.save()
    c.spring = okrs.create_cycle(
        c.admin, name="Spring", start=START, end=END, status=Cycle.Status.ACTIVE
    )
    cycle = c.spring
    c.grow = okrs.create_objective(
        c.ceo, cycle=cycle, title="Grow the company", owner_team=c.root, kind="aspirational"
    )
    c.builds = okrs.create_objective(
        c.bob, cycle=cycle, title="Faster builds", owner_team=c.platform, parent=c.grow
    )
    c.k1 = metric(c.bob, c.builds, "Build under 5 minutes")
    c.k2 = metric(c.bob, c.builds, "Flaky tests fixed")
    c.scheduler = okrs.create_objective(
        c.alice, cycle=cycle, title="Ship the scheduler", owner_person=c.alice, kind="aspirational"
    )
    c.k3 = okrs.create_key_result(
        c.alice,
        c.scheduler,
        title="Scheduler released",
        kind="milestone",
        steps=[{"title": "Design", "weight": 1}, {"title": "Build", "weight": 3}],
    )
    c.k4 = metric(
        c.alice,
        c.scheduler,
        "Uptime stays high",
        direction="range",
        range_low=95,
        range_high=100,
    )
    c.private = okrs.create_objective(
        c.alice, cycle=cycle, title="Private plan", owner_person=c.alice, visibility="private"
    )
    c.k5 = metric(c.alice, c.private, "Cut the backlog", direction="decrease", start=100, target=50)
    c.seats = okrs.create_objective(
        c.admin, cycle=cycle, title="Sell more seats", owner_team=c.sales, parent=c.grow
    )
    c.k6 = metric(c.admin, c.seats, "Seats sold", target=100)
    c.k7 = okrs.create_key_result(c.admin, c.seats, title="Price list out", kind="milestone")
    c.stopped = okrs.create_objective(c.bob, cycle=cycle, title="Stopped early", owner_person=c.bob)
    c.k8 = metric(c.bob, c.stopped, "Old thing done")
    c.draft = okrs.create_objective(
        c.dave, cycle=cycle, title="Draft idea", owner_person=c.dave, status="draft"
    )
    metric(c.dave, c.draft, "Never counted")

    okrs.check_in(c.bob, c.k8, value=10, confidence=8, at=at(1, 12))
    okrs.check_in(c.bob, c.k2, value=3, confidence=5, at=at(1, 20))
    okrs.check_in(c.admin, c.k7, done=True, confidence=6, at=at(2, 3))
    _design, build = c.k3.steps.all()
    okrs.check_in(c.alice, c.k3, steps=[build.pk], confidence=9, at=at(2, 10))
    okrs.check_in(c.alice, c.k4, value=97, confidence=7, at=at(2, 12))
    okrs.check_in(c.bob, c.k1, value=8, confidence=8, at=at(2, 13))
    okrs.check_in(c.alice, c.k5, value=90, confidence=2, at=at(2, 15))

    Objective.objects.filter(pk=c.stopped.pk).update(status="stopped", stop_reason="Moot")
    for kr, score in [(c.k1, 0.8), (c.k2, 0.3), (c.k3, 0.7), (c.k4, 1.0), (c.k5, 0.2)]:
        KeyResult.objects.filter(pk=kr.pk).update(score=score)
    KeyResult.objects.filter(pk=c.k8.pk).update(score=1.0)
    for objective, score in [(c.builds, 0.6), (c.scheduler, 0.9), (c.private, 0.2)]:
        Objective.objects.filter(pk=objective.pk).update(score=score)
    Objective.objects.filter(pk=c.stopped.pk).update(score=1.0)
    clock.move_to(NOW)
    return c


def scope(viewer, c, team=None) -> analytics.Scope:
    return analytics.Scope(viewer, c.spring, team)


def counts(buckets) -> list[int]:
    return [b.count for b in buckets]


# Progress distribution ------------------------------------------------------------------------


def test_objectives_and_key_results_fall_in_ten_progress_buckets(spring):
    found = analytics.progress_distribution(scope(spring.bob, spring))
    assert counts(found.objectives) == [0, 0, 1, 0, 0, 3, 0, 0, 1, 1]
    assert counts(found.key_results) == [1, 0, 1, 1, 0, 0, 0, 1, 1, 3]
    assert (found.objective_count, found.key_result_count) == (6, 8)
    assert [b.label for b in found.objectives][:2] == ["0–10%", "10–20%"]
    assert found.objectives[-1].label == "90–100%"


def test_a_private_objective_is_not_counted_for_someone_who_may_not_see_it(spring):
    found = analytics.progress_distribution(scope(spring.dave, spring))
    assert counts(found.objectives) == [0, 0, 0, 0, 0, 3, 0, 0, 1, 1]
    assert counts(found.key_results) == [1, 0, 0, 1, 0, 0, 0, 1, 1, 3]


def test_a_private_objective_counts_for_its_owner(spring):
    found = analytics.progress_distribution(scope(spring.alice, spring))
    assert counts(found.objectives)[2] == 1
    assert found.objective_count == 6


def test_edges_fall_into_the_bucket_above_and_100_percent_into_the_last():
    assert analytics.bucket_of(0.0) == 0
    assert analytics.bucket_of(0.0999) == 0
    assert analytics.bucket_of(0.1) == 1
    assert analytics.bucket_of(3.3 - 3) == 3  # 0.2999999999999998 by float arithmetic
    assert analytics.bucket_of(0.95) == 9
    assert analytics.bucket_of(1.0) == 9


@pytest.mark.parametrize(
    "fields",
    [
        {"start": 0, "target": 10, "current": 3.3},
        {"start": 0, "target": 10, "current": 12},  # beyond the target: 100 %
        {"start": 0, "target": 10, "current": -4},  # moved back: 0 %
        {"start": 0, "target": 10, "current": None},
        {"start": 5, "target": 5, "current": 7},  # target equals start
        {"start": 100, "target": 50, "current": 80},  # a decrease
        {"direction": "range", "range_low": 1, "range_high": 2, "current": 1.5},
        {"direction": "range", "range_low": 1, "range_high": 2, "current": 2.5},
        {"direction": "range", "range_low": 1, "range_high": 2, "current": None},
        {"kind": "milestone", "current": 1},
        {"kind": "milestone", "current": 0},
        {"kind": "milestone", "current": None},
    ],
)
def test_sql_progress_matches_the_progress_math(spring, fields):
    kr = metric(spring.bob, spring.builds, "Probe")
    KeyResult.objects.filter(pk=kr.pk).update(**fields)
    kr.refresh_from_db()
    expected = key_result_progress(
        kind=kr.kind,
        direction=kr.direction,
        start=kr.start,
        target=kr.target,
        current=kr.current,
        range_low=kr.range_low,
        range_high=kr.range_high,
        steps=steps_of(kr),
    )
    found = KeyResult.objects.annotate(p=analytics.key_result_progress()).get(pk=kr.pk).p
    assert found == expected


def test_sql_progress_of_milestone_steps_is_their_weighted_share(spring):
    found = KeyResult.objects.annotate(p=analytics.key_result_progress()).get(pk=spring.k3.pk).p
    assert found == 0.75


# Scores ---------------------------------------------------------------------------------------


def test_only_graded_objectives_and_key_results_make_the_score_distribution(spring):
    found = analytics.score_distribution(scope(spring.bob, spring))
    by_score = {b.label: b.count for b in found.objectives if b.count}
    assert by_score == {"0.2": 1, "0.6": 1, "0.9": 1, "1.0": 1}
    by_score = {b.label: b.count for b in found.key_results if b.count}
    assert by_score == {"0.2": 1, "0.3": 1, "0.7": 1, "0.8": 1, "1.0": 2}
    assert (found.graded_objectives, found.graded_key_results) == (4, 6)
    colours = {b.label: b.colour for b in found.key_results}
    assert (colours["0.3"], colours["0.4"], colours["0.6"], colours["0.7"]) == (
        "red",
        "yellow",
        "yellow",
        "green",
    )


def test_scores_of_a_private_objective_are_left_out_for_an_outsider(spring):
    found = analytics.score_distribution(scope(spring.dave, spring))
    assert (found.graded_objectives, found.graded_key_results) == (3, 5)
    assert [b.count for b in found.objectives if b.label == "0.2"] == [0]


# Compliance -----------------------------------------------------------------------------------


def test_compliance_is_the_share_checked_in_within_each_teams_cadence(spring):
    found = analytics.compliance(scope(spring.bob, spring))
    rows = [(t.team, t.key_results, t.on_time, t.stale, t.share) for t in found.teams]
    # Platform: builds' two (one silent since 20 January) and alice's three (weekly).
    # Sales checks in every two weeks: the price list (3 February) is on time, seats never.
    assert rows == [("Platform", 5, 4, 1, 0.8), ("Sales", 2, 1, 1, 0.5)]
    assert (found.total.key_results, found.total.on_time) == (7, 5)
    assert found.as_of == date(2026, 2, 16)


def test_compliance_follows_the_clock(spring, clock):
    # A week after 13 February: still on time that day; 10 February is now late. The uptime
    # range (met) and the price list (done) are finished and owe no more check-ins.
    clock.move_to(datetime(2026, 2, 20, 9, 0, tzinfo=UTC))
    found = analytics.compliance(scope(spring.bob, spring))
    assert [(t.team, t.on_time) for t in found.teams] == [("Platform", 3), ("Sales", 1)]
    clock.move_to(datetime(2026, 2, 21, 9, 0, tzinfo=UTC))  # 13 February is now late too
    found = analytics.compliance(scope(spring.bob, spring))
    assert [(t.team, t.on_time) for t in found.teams] == [("Platform", 2), ("Sales", 1)]


@pytest.mark.parametrize("day", [5, 12, 19, 26, 33, 40, 47, 54, 61, 68, 80, 90, 120])
def test_on_time_in_sql_agrees_with_the_stale_rule(spring, clock, day):
    today = date.fromordinal(START.toordinal() + day)
    clock.move_to(datetime.combine(today, datetime.min.time(), tzinfo=UTC))
    s = scope(spring.admin, spring)
    rows = (
        s.key_results(active_only=True)
        .annotate(cadence=rhythm.key_result_cadence(), share=analytics.key_result_progress())
        .annotate(fresh=Case(When(s.fresh(), then=True), default=False))
        .select_related("objective__cycle")
    )
    for kr in rows:
        last = kr.checked_in_at.date() if kr.checked_in_at else None
        since = max(START, kr.created_at.date())
        stale = kr.share < 1 and is_stale(last, since, min(today, END), kr.cadence)
        assert kr.fresh is not stale, kr.title


def test_compliance_leaves_out_a_private_key_result_the_viewer_may_not_see(spring):
    found = analytics.compliance(scope(spring.dave, spring))
    assert [(t.team, t.key_results, t.on_time) for t in found.teams] == [
        ("Platform", 4, 3),
        ("Sales", 2, 1),
    ]


def test_a_person_in_no_team_counts_under_no_team(spring):
    loner = okrs.create_objective(
        spring.ceo, cycle=spring.spring, title="Solo", owner_person=spring.ceo
    )
    spring.ceo.memberships.all().delete()
    metric(spring.ceo, loner, "Alone")
    found = analytics.compliance(scope(spring.admin, spring))
    assert found.teams[-1].team == "No team"
    assert (found.teams[-1].key_results, found.teams[-1].on_time) == (1, 1)


# Team subtree ---------------------------------------------------------------------------------


def test_a_team_covers_the_teams_below_it_and_their_members_objectives(spring):
    found = analytics.progress_distribution(scope(spring.bob, spring, spring.engineering))
    # Faster builds, Ship the scheduler, Private plan and Stopped early.
    assert found.objective_count == 4
    assert counts(found.objectives) == [0, 0, 1, 0, 0, 1, 0, 0, 1, 1]
    rows = analytics.compliance(scope(spring.bob, spring, spring.engineering))
    assert [t.team for t in rows.teams] == ["Platform"]
    assert rows.total.team == "Engineering"


def test_a_leaf_team_covers_only_itself(spring):
    found = analytics.progress_distribution(scope(spring.bob, spring, spring.sales))
    assert found.objective_count == 1
    assert counts(found.key_results) == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]


def test_the_root_team_covers_the_whole_company(spring):
    whole = analytics.progress_distribution(scope(spring.bob, spring))
    root = analytics.progress_distribution(scope(spring.bob, spring, spring.root))
    assert counts(root.objectives) == counts(whole.objectives)


# Confidence trend -----------------------------------------------------------------------------


def test_confidence_is_averaged_per_week_of_the_cycle(spring):
    weeks = analytics.confidence_trend(scope(spring.bob, spring))
    assert weeks[0].week == date(2026, 1, 5)
    assert weeks[-1].week == date(2026, 3, 30)
    assert len(weeks) == 13
    found = {w.week: (w.confidence, w.check_ins) for w in weeks if w.check_ins}
    assert found == {
        date(2026, 1, 12): (8.0, 1),
        date(2026, 1, 19): (5.0, 1),
        date(2026, 2, 2): (6.0, 1),
        date(2026, 2, 9): (6.5, 4),  # 8, 9, 7 and the private plan's 2
    }


def test_confidence_of_a_hidden_objective_is_left_out(spring):
    weeks = analytics.confidence_trend(scope(spring.dave, spring))
    assert [(w.confidence, w.check_ins) for w in weeks if w.week == date(2026, 2, 9)] == [(8.0, 3)]


# At risk and stale ----------------------------------------------------------------------------


def test_at_risk_lists_off_track_first_then_at_risk(spring):
    found = analytics.risks(scope(spring.bob, spring))
    assert [(i.key_result, i.status) for i in found.at_risk.items] == [
        ("Seats sold", "off_track"),  # nothing yet, half the cycle gone
        ("Cut the backlog", "off_track"),  # confidence 2
        ("Flaky tests fixed", "at_risk"),  # 30 % where 50 % was due
    ]
    first = found.at_risk.items[0]
    assert (first.objective, first.owner, first.last_check_in) == ("Sell more seats", "admin", None)
    assert found.at_risk.count == 3


def test_stale_lists_the_longest_silent_first(spring):
    found = analytics.risks(scope(spring.bob, spring))
    assert [i.key_result for i in found.stale.items] == ["Seats sold", "Flaky tests fixed"]
    assert found.stale.items[1].last_check_in == at(1, 20)
    assert found.stale.items[1].owner == "Bob"


def test_lists_never_name_a_hidden_objective(spring):
    found = analytics.risks(scope(spring.dave, spring))
    titles = [i.objective for i in found.at_risk.items + found.stale.items]
    assert "Private plan" not in titles
    assert found.at_risk.count == 2


def test_lists_are_paged(spring):
    found = analytics.risks(scope(spring.bob, spring), limit=1, offset=1)
    assert [i.key_result for i in found.at_risk.items] == ["Cut the backlog"]
    assert found.at_risk.count == 3


# Committed against aspirational ---------------------------------------------------------------


def test_outcomes_compare_committed_and_aspirational_objectives(spring):
    committed, aspirational = analytics.outcomes(scope(spring.bob, spring))
    assert committed.kind == "committed"
    assert committed.objectives == 4
    assert committed.mean_progress == pytest.approx((0.55 + 0.2 + 0.5 + 1.0) / 4)
    assert (committed.graded, committed.mean_score) == (3, pytest.approx(0.6))
    assert committed.share_success == pytest.approx(1 / 3)
    assert committed.share_perfect == pytest.approx(1 / 3)
    assert aspirational.objectives == 2
    assert aspirational.mean_progress == pytest.approx((0.875 + 0.525) / 2)
    assert (aspirational.graded, aspirational.mean_score) == (1, pytest.approx(0.9))
    assert (aspirational.share_success, aspirational.share_perfect) == (1.0, 0.0)


def test_outcomes_without_grades_say_so_rather_than_zero(spring):
    found = analytics.outcomes(scope(spring.dave, spring, spring.sales))
    committed, aspirational = found
    assert (committed.objectives, committed.graded, committed.mean_score) == (1, 0, None)
    assert (aspirational.objectives, aspirational.mean_progress) == (0, None)
