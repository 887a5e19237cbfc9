"""/teams/<id>, /people and /people/<id>: who is where, and how their OKRs stand."""

import pytest

from stretch.okrs import services as okrs
from stretch.org import services as org
from stretch.org.models import Membership
from tests.helpers import client_for


def get(user, path: str):
    response = client_for(user).get(path)
    assert response.status_code == 200, response.status_code
    return response


def objective(company, owner, title, value=None, **fields):
    """A quarter objective of `owner` (a person or a team), with one KR at value/10."""
    key = "owner_team" if hasattr(owner, "parent_id") else "owner_person"
    made = okrs.create_objective(
        company.admin, cycle=company.quarter, title=title, **{key: owner}, **fields
    )
    if value is not None:
        kr = okrs.create_key_result(company.admin, made, title=f"{title} KR", target=10)
        okrs.check_in(company.admin, kr, value=value)
    return made


@pytest.fixture
def okrs_of(company):
    """Platform: "Boring platform" (6/10) and private "Quiet pager" (2/10); Engineering:
    "Ship faster" (5/10); Alice: "Migrate jobs" (3/10) and private "Secret plan" (9/10)."""
    return {
        "platform": objective(company, company.platform, "Boring platform", 6),
        "pager": objective(company, company.platform, "Quiet pager", 2, visibility="private"),
        "engineering": objective(company, company.engineering, "Ship faster", 5),
        "alice": objective(company, company.alice, "Migrate jobs", 3),
        "secret": objective(company, company.alice, "Secret plan", 9, visibility="private"),
    }


# Team ---------------------------------------------------------------------------------------


def test_the_team_page_shows_its_path_people_sub_teams_and_objectives(company, okrs_of):
    html = get(company.carol, f"/teams/{company.platform.pk}/").content.decode()
    assert html.index("Testco") < html.index("Engineering") < html.index("<h1>Platform")
    assert f'href="/people/{company.bob.pk}/"' in html  # the lead
    assert f'href="/people/{company.alice.pk}/"' in html  # a member
    assert "Boring platform" in html and "Migrate jobs" in html
    assert "Blocker KR" not in html
    assert "Boring platform KR" in html  # the team's objectives come with their key results
    engineering = get(company.carol, f"/teams/{company.engineering.pk}/").content.decode()
    assert f'href="/teams/{company.platform.pk}/' in engineering  # the sub-team
    assert "Ship faster" in engineering


def test_sub_teams_show_the_mean_progress_of_their_objectives(company, okrs_of):
    response = get(company.carol, f"/teams/{company.engineering.pk}/")
    [(team, size, summary)] = response.context["sub_teams"]
    assert (team, size, summary.count) == (company.platform, 2, 2)
    assert summary.progress == pytest.approx(0.4)  # (0.6 + 0.2) / 2
    assert "40%" in response.content.decode()
    assert response.context["summary"].progress == pytest.approx(0.5)  # Engineering's own


def test_a_private_objective_is_absent_from_a_team_page_for_an_outsider(company, okrs_of):
    html = get(company.dave, f"/teams/{company.platform.pk}/").content.decode()
    assert "Quiet pager" not in html and "Secret plan" not in html
    response = get(company.dave, f"/teams/{company.engineering.pk}/")
    [(_team, _size, summary)] = response.context["sub_teams"]
    assert (summary.count, summary.progress) == (1, pytest.approx(0.6))
    for_bob = get(company.bob, f"/teams/{company.platform.pk}/").content.decode()
    assert "Quiet pager" in for_bob and "Secret plan" in for_bob  # his team, his report


def test_a_lead_may_create_an_objective_for_the_team(company):
    link = f'href="/objectives/new/?team={company.platform.pk}"'
    assert link in get(company.bob, f"/teams/{company.platform.pk}/").content.decode()
    assert link in get(company.admin, f"/teams/{company.platform.pk}/").content.decode()
    assert link not in get(company.alice, f"/teams/{company.platform.pk}/").content.decode()


def test_an_unknown_team_is_404(company):
    assert client_for(company.alice).get("/teams/999999/").status_code == 404


def test_the_team_page_follows_the_cycle_switch(company, okrs_of):
    okrs.create_objective(
        company.admin, cycle=company.year, title="Year goal", owner_team=company.platform
    )
    quarter = get(company.bob, f"/teams/{company.platform.pk}/").content.decode()
    assert "Year goal" not in quarter and "Boring platform" in quarter
    year = get(company.bob, f"/teams/{company.platform.pk}/?cycle={company.year.pk}")
    assert "Year goal" in year.content.decode() and "Boring platform" not in year.content.decode()


# People -------------------------------------------------------------------------------------


def test_the_directory_lists_people_with_teams_manager_and_progress(company, okrs_of):
    response = get(company.dave, "/people/")
    html = response.content.decode()
    for name in ["Alice", "Bob", "Carol", "Dave", "Cleo CEO"]:
        assert name in html
    row = next(summary for person, summary in response.context["rows"] if person == company.alice)
    assert (row.count, row.progress) == (1, pytest.approx(0.3))  # not her private one
    assert f'href="/teams/{company.platform.pk}/"' in html
    manager_row = next(
        summary
        for person, summary in get(company.bob, "/people/").context["rows"]
        if person == company.alice
    )
    assert (manager_row.count, manager_row.progress) == (2, pytest.approx(0.6))


@pytest.mark.parametrize(
    ("query", "found"),
    [("alic", ["alice"]), ("CLEO", ["ceo"]), ("Payments", ["dave"]), ("nobody", [])],
)
def test_the_directory_searches_names_usernames_and_titles(company, query, found):
    company.dave.profile.title = "Payments specialist"
    company.dave.profile.save()
    response = get(company.alice, f"/people/?q={query}")
    assert [p.username for p, _summary in response.context["rows"]] == found


def test_the_directory_filters_by_team(company):
    response = get(company.alice, f"/people/?team={company.platform.pk}")
    assert sorted(p.username for p, _s in response.context["rows"]) == ["alice", "bob"]


def test_the_directory_pages_fifty_people_at_a_time(company):
    for n in range(60):
        org.create_person(f"zz{n:02}", display_name=f"Zed {n:02}")
    first = get(company.alice, "/people/?q=zz")
    assert len(first.context["rows"]) == 50
    assert "page=2" in first.content.decode() and "q=zz" in first.content.decode()
    second = get(company.alice, "/people/?q=zz&page=2")
    assert [p.username for p, _s in second.context["rows"]] == [f"zz{n}" for n in range(50, 60)]


def test_the_directory_leaves_out_deactivated_people(company):
    company.dave.is_active = False
    company.dave.save()
    usernames = [p.username for p, _s in get(company.alice, "/people/").context["rows"]]
    assert "dave" not in usernames and "alice" in usernames


# Person -------------------------------------------------------------------------------------


def test_the_person_page_shows_title_manager_reports_teams_and_okrs(company, okrs_of):
    company.bob.profile.title = "Platform lead"
    company.bob.profile.save()
    html = get(company.dave, f"/people/{company.bob.pk}/").content.decode()
    assert "Platform lead" in html
    assert f'href="/people/{company.carol.pk}/"' in html  # manager
    assert f'href="/people/{company.alice.pk}/"' in html  # report
    assert f'href="/teams/{company.platform.pk}/"' in html
    alice = get(company.dave, f"/people/{company.alice.pk}/").content.decode()
    assert "Migrate jobs" in alice and "Migrate jobs KR" in alice and "30%" in alice


def test_the_person_page_shows_the_objectives_of_the_teams_they_lead(company, okrs_of):
    response = get(company.dave, f"/people/{company.bob.pk}/")
    assert [o.title for o in response.context["team_objectives"]] == ["Boring platform"]
    assert response.context["objectives"] == []
    assert "Boring platform" in response.content.decode()


def test_a_private_objective_shows_on_a_person_page_only_to_who_may_see_it(company, okrs_of):
    assert "Secret plan" not in get(company.dave, f"/people/{company.alice.pk}/").content.decode()
    for viewer in (company.alice, company.bob, company.carol, company.admin):
        assert "Secret plan" in get(viewer, f"/people/{company.alice.pk}/").content.decode()


def test_an_unknown_or_deactivated_person_is_404(company):
    company.dave.is_active = False
    company.dave.save()
    assert client_for(company.alice).get(f"/people/{company.dave.pk}/").status_code == 404
    assert client_for(company.alice).get("/people/999999/").status_code == 404


# Bounded queries ----------------------------------------------------------------------------

QUERY_BOUND = 30


def grow(company, size: int) -> None:
    """`size` more people in Platform reporting to Bob, each with a public and a private
    objective with a key result, and a sub-team of Platform with an objective."""
    start = Membership.objects.filter(team=company.platform).count()
    for n in range(start, start + size):
        person = org.create_person(f"person{n}", display_name=f"Person {n}", manager=company.bob)
        org.set_membership(company.platform, person, Membership.Role.MEMBER)
        objective(company, person, f"Public {n}", n % 10)
        objective(company, person, f"Private {n}", n % 10, visibility="private")
        if n % 5 == 0:
            squad = org.create_team(company.admin, name=f"Squad {n}", parent=company.platform)
            org.set_membership(squad, person, Membership.Role.LEAD)
            objective(company, squad, f"Squad goal {n}", 5)


@pytest.mark.parametrize("person", ["dave", "bob", "admin"])
@pytest.mark.parametrize(
    "path", ["/teams/{platform}/", "/teams/{engineering}/", "/people/", "/people/{bob}/"]
)
def test_the_pages_run_the_same_few_queries_at_any_size(
    company, django_assert_max_num_queries, person, path
):
    url = path.format(
        platform=company.platform.pk, engineering=company.engineering.pk, bob=company.bob.pk
    )
    client = client_for(getattr(company, person))
    counts = []
    for size in (5, 35):  # 5 people, then 40
        grow(company, size)
        client.get(url)  # a warm session, as in real use
        with django_assert_max_num_queries(QUERY_BOUND) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
