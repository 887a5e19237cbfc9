"""Explore (`/explore/`): every objective the reader may see, filtered, searched and paged."""

import re

import pytest

from stretch.okrs import services as okrs
from stretch.okrs.models import Objective
from tests.helpers import client_for

CARD = '<article class="card objective">'


def explore(user, query: str = "") -> str:
    response = client_for(user).get(f"/explore/{query}")
    assert response.status_code == 200
    return response.content.decode()


def titles(page: str) -> list[str]:
    """The titles of the objective cards on the page, in order."""
    return re.findall(r'<h3><a href="/objectives/\d+/">([^<]+)</a></h3>', page)


def personal(person, title: str, cycle, **fields) -> Objective:
    return okrs.create_objective(person, cycle=cycle, title=title, owner_person=person, **fields)


@pytest.fixture
def spread(company):
    """Objectives of several owners in the quarter, one in the year."""
    personal(company.alice, "Ship the scheduler", company.quarter)
    okrs.create_objective(
        company.bob, cycle=company.quarter, title="Faster builds", owner_team=company.platform
    )
    personal(company.dave, "Sell more seats", company.quarter, kind="aspirational")
    personal(company.carol, "Hire two engineers", company.quarter, status="draft")
    personal(company.alice, "Learn Rust", company.year)
    return company


# Cycle, team, owner, status, kind --------------------------------------------------------------


def test_it_lists_the_objectives_of_the_running_cycle(spread):
    page = explore(spread.dave)
    assert sorted(titles(page)) == [
        "Faster builds",
        "Hire two engineers",
        "Sell more seats",
        "Ship the scheduler",
    ]
    assert "4 objectives" in page


def test_it_lists_the_objectives_of_the_chosen_cycle(spread):
    assert titles(explore(spread.dave, f"?cycle={spread.year.pk}")) == ["Learn Rust"]


def test_it_filters_by_team_with_the_objectives_of_its_members(spread):
    page = explore(spread.dave, f"?team={spread.platform.pk}")
    assert sorted(titles(page)) == ["Faster builds", "Ship the scheduler"]


def test_it_filters_by_owner_and_says_whose_objectives_these_are(spread):
    page = explore(spread.bob, f"?owner={spread.alice.pk}")
    assert titles(page) == ["Ship the scheduler"]
    assert "Objectives owned by Alice" in page


def test_it_filters_by_status(spread):
    assert titles(explore(spread.dave, "?status=draft")) == ["Hire two engineers"]


def test_it_filters_by_kind(spread):
    assert titles(explore(spread.dave, "?kind=aspirational")) == ["Sell more seats"]


def test_it_combines_filters(spread):
    query = f"?team={spread.platform.pk}&status=active&kind=committed&q=builds"
    assert titles(explore(spread.dave, query)) == ["Faster builds"]


def test_it_ignores_filters_it_does_not_understand(spread):
    page = explore(spread.dave, "?team=abc&owner=x&status=lost&kind=odd&health=purple&page=99")
    assert len(titles(page)) == 4


# Health -------------------------------------------------------------------------------------


@pytest.fixture
def healths(company):
    """Half the quarter has passed: one objective per health."""
    done = personal(company.alice, "Done already", company.quarter)
    kr = okrs.create_key_result(company.alice, done, title="All of it", target=10)
    okrs.check_in(company.alice, kr, value=10, confidence=9)
    slipping = personal(company.alice, "Slipping a little", company.quarter)
    kr = okrs.create_key_result(company.alice, slipping, title="Some of it", target=10)
    okrs.check_in(company.alice, kr, value=3, confidence=8)  # 30% where 50% was due
    personal(company.alice, "Not started", company.quarter)  # nothing moved at all
    return company


@pytest.mark.parametrize(
    ("health", "title"),
    [("on_track", "Done already"), ("at_risk", "Slipping a little"), ("off_track", "Not started")],
)
def test_it_filters_by_health_computed_from_progress_and_pace(healths, health, title):
    page = explore(healths.bob, f"?health={health}")
    assert titles(page) == [title]
    assert "1 objective" in page


def test_it_follows_a_check_in_when_filtering_by_health(healths):
    kr = Objective.objects.get(title="Not started")
    metric = okrs.create_key_result(healths.alice, kr, title="Now it moves", target=10)
    okrs.check_in(healths.alice, metric, value=8, confidence=9)
    assert "Not started" in titles(explore(healths.bob, "?health=on_track"))


def test_it_combines_health_with_a_search(healths):
    assert titles(explore(healths.bob, "?health=on_track&q=slipping")) == []
    assert titles(explore(healths.bob, "?health=at_risk&q=slipping")) == ["Slipping a little"]


# Search -------------------------------------------------------------------------------------


@pytest.fixture
def searchable(company):
    scheduler = personal(
        company.alice,
        "Ship the scheduler",
        company.quarter,
        description="Move every cron job to the new queue",
    )
    okrs.create_key_result(company.alice, scheduler, title="p95 latency under 200ms", target=1)
    personal(company.dave, "Sell more seats", company.quarter)
    personal(company.bob, "发布新的调度器", company.quarter)
    return company


@pytest.mark.parametrize(
    "q",
    [
        "scheduler",  # a word of the title
        "SCHEDULER",  # whatever the case
        "sched",  # part of a word
        "cron",  # a word of the description
        "latency",  # a word of a key result's title
        "ship latency queue",  # each word may match somewhere else
    ],
)
def test_it_finds_an_objective_by_its_words(searchable, q):
    assert titles(explore(searchable.dave, f"?q={q}")) == ["Ship the scheduler"]


def test_it_finds_only_objectives_matching_every_word(searchable):
    page = explore(searchable.dave, "?q=scheduler+seats")
    assert titles(page) == []
    assert "No objective matches." in page


def test_it_finds_chinese_text_without_spaces_between_words(searchable):
    assert titles(explore(searchable.dave, "?q=调度")) == ["发布新的调度器"]


def test_it_keeps_the_search_in_the_form(searchable):
    assert 'value="latency"' in explore(searchable.dave, "?q=latency")


# Who sees what ------------------------------------------------------------------------------


@pytest.fixture
def private(company):
    objective = personal(company.alice, "Quiet reorg", company.quarter, visibility="private")
    okrs.create_key_result(company.alice, objective, title="Secret headcount", target=3)
    return objective


@pytest.mark.parametrize("who", ["alice", "bob", "carol", "admin"])
def test_a_private_objective_is_listed_for_those_who_may_see_it(company, private, who):
    assert titles(explore(getattr(company, who))) == ["Quiet reorg"]


def test_a_private_objective_is_not_listed_for_an_outsider(company, private):
    page = explore(company.dave)
    assert "Quiet reorg" not in page
    assert "0 objectives" in page


def test_a_search_does_not_reveal_a_private_objective_by_its_key_results(company, private):
    assert titles(explore(company.dave, "?q=headcount")) == []
    assert titles(explore(company.bob, "?q=headcount")) == ["Quiet reorg"]


# Pages --------------------------------------------------------------------------------------


def _many(company, count: int, **fields) -> None:
    for n in range(count):
        personal(company.alice, f"Goal {n:02}", company.quarter, **fields)


def test_it_shows_25_objectives_a_page_newest_first(company):
    _many(company, 26)
    page = explore(company.bob)
    assert len(titles(page)) == 25
    assert titles(page)[0] == "Goal 25"
    assert "26 objectives" in page
    assert "Page 1 of 2" in page
    assert titles(explore(company.bob, "?page=2")) == ["Goal 00"]


def test_the_next_page_link_keeps_the_filters(company):
    _many(company, 26)
    page = explore(company.bob, "?q=goal&kind=committed")
    link = re.search(r'<a href="\?([^"]+)" rel="next">', page).group(1).replace("&amp;", "&")
    assert sorted(link.split("&")) == ["kind=committed", "page=2", "q=goal"]


def test_it_pages_the_objectives_of_one_health_too(company):
    _many(company, 26)  # none has moved: all off track
    page = explore(company.bob, "?health=off_track")
    assert len(titles(page)) == 25
    assert "Page 1 of 2" in page
    assert len(titles(explore(company.bob, "?health=off_track&page=2"))) == 1


# Queries ------------------------------------------------------------------------------------


def _grow(company, objectives: int) -> None:
    """`objectives` objectives of various owners, each with a metric checked in and a
    milestone with steps, half of them private, and one parent without key results."""
    parent = okrs.create_objective(
        company.bob, cycle=company.quarter, title="Parent", owner_team=company.platform
    )
    owners = [company.alice, company.bob, company.carol, company.dave]
    for n in range(objectives):
        owner = owners[n % len(owners)]
        objective = personal(
            owner,
            f"Goal {n}",
            company.quarter,
            visibility="private" if n % 2 else "public",
            parent=parent if owner == company.alice else None,
        )
        kr = okrs.create_key_result(owner, objective, title=f"Metric {n}", target=10)
        okrs.check_in(owner, kr, value=n % 11, confidence=1 + n % 10)
        okrs.create_key_result(
            owner,
            objective,
            title=f"Milestone {n}",
            kind="milestone",
            steps=[{"title": "One"}, {"title": "Two"}],
        )


# Session, user, cycle, the reader's reach (2), count, objectives, their key results and
# steps, children of objectives without key results (2 + 2), header profile, cycles, teams.
QUERIES = 16  # the unread notifications in the header: one more


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("query", ["", "?health=off_track", "?q=goal&team={team}"])
def test_the_page_runs_a_bounded_number_of_queries(
    company, django_assert_max_num_queries, size, query
):
    _grow(company, size)
    client = client_for(company.bob)
    client.get("/explore/")  # the first visit of a session also remembers the language
    with django_assert_max_num_queries(QUERIES):
        response = client.get(f"/explore/{query.format(team=company.platform.pk)}")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    ["team=99999999999999999999999", "owner=-5", "owner=abc", "cycle=1e9", "page=-1", "page=x"],
)
def test_odd_filters_are_ignored_rather_than_failing(company, query):
    response = client_for(company.alice).get(f"/explore/?{query}")
    assert response.status_code == 200
