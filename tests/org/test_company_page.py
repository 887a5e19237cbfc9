"""/company: mission, pillars, company objectives, the alignment tree (opened level by level)
and the alignment map of one branch."""

import pytest

from stretch.okrs import alignment_map, alignment_tree
from stretch.okrs import services as okrs
from stretch.org import services as org
from stretch.org.models import CompanyValue, Membership, StrategyPillar
from tests.helpers import client_for


def page(user, path: str, **headers) -> str:
    response = client_for(user).get(path, headers=headers)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def measure(company, objective, value, target=10):
    owner = objective.owner_person or company.admin
    kr = okrs.create_key_result(company.admin, objective, title="k", target=target, owner=owner)
    okrs.check_in(company.admin, kr, value=value)


@pytest.fixture
def tree(company):
    """Year: "Be reliable" (company) ← quarter: "No outages" (company) ← "Boring platform"
    (Platform) ← alice's "Migrate jobs" (3/10) and bob's private "Fix paging" (10/10)."""
    t = type("Tree", (), {})()

    def objective(actor, cycle, title, **fields):
        return okrs.create_objective(actor, cycle=cycle, title=title, **fields)

    t.year = objective(
        company.ceo, company.year, "Be reliable", owner_team=company.root, pillar=company.pillar
    )
    t.company = objective(
        company.ceo, company.quarter, "No outages", owner_team=company.root, parent=t.year
    )
    t.team = objective(
        company.bob,
        company.quarter,
        "Boring platform",
        owner_team=company.platform,
        parent=t.company,
    )
    t.alice = objective(
        company.alice, company.quarter, "Migrate jobs", owner_person=company.alice, parent=t.team
    )
    t.bob = objective(
        company.bob,
        company.quarter,
        "Fix paging",
        owner_person=company.bob,
        parent=t.team,
        visibility="private",
    )
    measure(company, t.alice, 3)
    measure(company, t.bob, 10)
    return t


def test_the_company_page_shows_mission_vision_values_and_pillars(company, tree):
    CompanyValue.objects.create(name="Be kind")
    CompanyValue.objects.create(name="Ship often")
    html = page(company.dave, "/company/")
    for text in ["Testco", "Test everything", "Green builds", "Be kind", "Ship often", "Quality"]:
        assert text in html


def test_the_company_page_lists_company_objectives_of_the_cycle_and_its_year(company, tree):
    response = client_for(company.dave).get(f"/company/?cycle={company.quarter.pk}")
    titles = [o.title for o in response.context["objectives"]]
    assert titles == ["Be reliable", "No outages"]
    assert response.context["summary"].progress == pytest.approx(0.65)
    year = client_for(company.dave).get(f"/company/?cycle={company.year.pk}")
    assert [o.title for o in year.context["objectives"]] == ["Be reliable"]


def test_the_tree_renders_two_levels_and_counts_what_is_below(company, tree):
    html = page(company.carol, f"/company/?cycle={company.year.pk}")
    assert html.index("Be reliable") < html.index("No outages")
    assert "Boring platform" not in html  # the third level loads when opened
    assert "1 aligned objective<" in html  # below "No outages"
    assert f'hx-get="/company/tree/{tree.company.pk}/?cycle={company.year.pk}"' in html
    assert f'href="/company/tree/{tree.company.pk}/?cycle={company.year.pk}"' in html  # no JS
    quarter = page(company.carol, f"/company/?cycle={company.quarter.pk}")
    assert "Boring platform" in quarter and "Migrate jobs" not in quarter
    assert "2 aligned objectives" in quarter  # Carol may see Bob's private one
    assert "1 aligned objective<" in page(company.dave, f"/company/?cycle={company.quarter.pk}")


def test_a_quarter_tree_is_framed_by_the_year_objective_it_serves(company, tree):
    response = client_for(company.carol).get(f"/company/?cycle={company.quarter.pk}")
    [group] = response.context["groups"]
    [frame] = group.nodes
    assert (frame.title, frame.context) == ("Be reliable", True)
    [quarter] = frame.children
    assert (quarter.title, quarter.context) == ("No outages", False)
    assert [c.title for c in quarter.children] == ["Boring platform"]
    assert quarter.children[0].lazy and quarter.children[0].child_count == 2


def test_the_tree_shows_roll_up_progress(company, tree):
    response = client_for(company.dave).get(f"/company/?cycle={company.quarter.pk}")
    team = response.context["groups"][0].nodes[0].children[0].children[0]
    assert team.progress == pytest.approx(0.65)  # the private child counts as a number
    assert "65%" in response.content.decode()


def test_opening_a_node_returns_its_visible_children_only(company, tree):
    url = f"/company/tree/{tree.team.pk}/?cycle={company.quarter.pk}"
    for_dave = page(company.dave, url, HX_Request="true")
    assert "Migrate jobs" in for_dave and "Fix paging" not in for_dave
    assert "<html" not in for_dave  # just the list items
    assert "Boring platform" not in for_dave and "No outages" not in for_dave
    for_carol = page(company.carol, url, HX_Request="true")
    assert "Migrate jobs" in for_carol and "Fix paging" in for_carol


def test_opening_a_node_without_javascript_shows_a_whole_page(company, tree):
    html = page(company.dave, f"/company/tree/{tree.team.pk}/?cycle={company.quarter.pk}")
    assert "<html" in html and "Aligned to “Boring platform”" in html
    assert "Migrate jobs" in html


def test_opening_a_private_node_is_404_for_an_outsider(company, tree):
    assert client_for(company.dave).get(f"/company/tree/{tree.bob.pk}/").status_code == 404
    assert client_for(company.carol).get(f"/company/tree/{tree.bob.pk}/").status_code == 200


def test_a_private_objective_is_absent_from_an_outsiders_tree(company, tree):
    okrs.update_objective(company.bob, tree.team, {"visibility": "private"})
    html = page(company.dave, f"/company/?cycle={company.quarter.pk}")
    assert "Boring platform" not in html
    # Alice's public objective below it moves to the top of the tree instead of vanishing.
    assert "Migrate jobs" in html
    assert "Boring platform" in page(company.carol, f"/company/?cycle={company.quarter.pk}")


def test_long_lists_stop_at_the_limit_and_offer_the_rest(company, tree, monkeypatch):
    monkeypatch.setattr(alignment_tree, "CHILD_LIMIT", 1)
    url = f"/company/tree/{tree.team.pk}/?cycle={company.quarter.pk}"
    first = page(company.carol, url, HX_Request="true")
    assert "Migrate jobs" in first and "Fix paging" not in first
    assert "Show 1 more" in first and "offset=1" in first
    rest = page(company.carol, url + "&offset=1", HX_Request="true")
    assert "Fix paging" in rest and "Migrate jobs" not in rest and "Show" not in rest


def test_top_level_objectives_of_a_pillar_are_paged(company, tree, monkeypatch):
    monkeypatch.setattr(alignment_tree, "ROOT_LIMIT", 1)
    for title in ["Alpha", "Beta"]:
        okrs.create_objective(
            company.dave, cycle=company.quarter, title=title, owner_person=company.dave
        )
    html = page(company.dave, f"/company/?cycle={company.quarter.pk}")
    assert "Alpha" in html and "Beta" not in html and "pillar=none" in html
    more = page(
        company.dave,
        f"/company/tree/?cycle={company.quarter.pk}&pillar=none&offset=1",
        HX_Request="1",
    )
    assert "Beta" in more and "Alpha" not in more


def test_a_pillar_lists_its_objectives_aligned_under_another_pillar(company, tree):
    speed = StrategyPillar.objects.create(name="Speed", position=1)
    okrs.update_objective(company.bob, tree.team, {"pillar": speed})
    response = client_for(company.dave).get(f"/company/?cycle={company.year.pk}")
    _quality, speed_group = response.context["groups"]
    assert (speed_group.name, speed_group.nodes) == ("Speed", [])
    assert [o.title for o in speed_group.elsewhere] == []  # "Boring platform" is not loaded
    quarter = client_for(company.dave).get(f"/company/?cycle={company.quarter.pk}")
    speed_group = quarter.context["groups"][1]
    assert [o.title for o in speed_group.elsewhere] == ["Boring platform"]
    assert "Also serving this pillar" in quarter.content.decode()


def test_an_unknown_pillar_of_the_tree_is_404(company, tree):
    url = f"/company/tree/?cycle={company.quarter.pk}&pillar=999"
    assert client_for(company.dave).get(url).status_code == 404


# The map ------------------------------------------------------------------------------------


def test_the_map_draws_the_branch_from_the_top_down(company, tree):
    html = page(company.carol, f"/company/map/{tree.team.pk}/")
    start = html.index('<svg class="alignment-map"')
    svg = html[start : html.index("</svg>", start)]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    for title in ["Be reliable", "No outages", "Boring platform", "Migrate jobs", "Fix paging"]:
        assert title in svg
    assert svg.count('class="box ') == 5
    assert "The branch as a list" in html  # the text fallback
    top = page(company.carol, f"/company/map/{tree.year.pk}/")
    assert "aligns to no other objective" in top


def test_the_map_leaves_out_what_the_viewer_may_not_see(company, tree):
    html = page(company.dave, f"/company/map/{tree.team.pk}/")
    assert "Migrate jobs" in html and "Fix paging" not in html
    assert client_for(company.dave).get(f"/company/map/{tree.bob.pk}/").status_code == 404


def test_the_map_stops_at_its_limit_and_says_how_many_more(company, tree, monkeypatch):
    monkeypatch.setattr(alignment_map, "MAX_NODES", 3)  # 2 above and the branch itself
    for n in range(3):
        okrs.create_objective(
            company.alice,
            cycle=company.quarter,
            title=f"Extra {n}",
            owner_person=company.alice,
            parent=tree.alice,
        )
    html = page(company.carol, f"/company/map/{tree.team.pk}/")
    assert "Migrate jobs" not in html and "Fix paging" not in html
    assert "and 2 more" in html
    monkeypatch.setattr(alignment_map, "MAX_NODES", 40)
    deeper = page(company.carol, f"/company/map/{tree.team.pk}/")
    assert "Extra 2" in deeper and "more</text>" not in deeper


def test_the_map_draws_a_few_levels_down_and_counts_the_rest(company, tree, monkeypatch):
    monkeypatch.setattr(alignment_map, "DEPTH", 1)
    html = page(company.carol, f"/company/map/{tree.company.pk}/")
    assert "Boring platform" in html and "Migrate jobs" not in html
    assert "and 2 more" in html


# Bounded queries ----------------------------------------------------------------------------

QUERY_BOUND = 40


def grow(company, tree, size: int) -> None:
    """`size` more people in Platform, each with an objective below "Boring platform" (every
    other one private), an objective below that, and key results."""
    start = Membership.objects.filter(team=company.platform).count()
    for n in range(start, start + size):
        person = org.create_person(f"person{n}", manager=company.bob)
        org.set_membership(company.platform, person, Membership.Role.MEMBER)
        mine = okrs.create_objective(
            person,
            cycle=company.quarter,
            title=f"Objective {n}",
            owner_person=person,
            parent=tree.team,
            visibility="private" if n % 2 else "public",
        )
        below = okrs.create_objective(
            person, cycle=company.quarter, title=f"Detail {n}", owner_person=person, parent=mine
        )
        for objective in (mine, below):
            kr = okrs.create_key_result(person, objective, title="Metric", target=10)
            okrs.check_in(person, kr, value=n % 10, confidence=7)


PATHS = [
    "/company/?cycle={quarter}",
    "/company/?cycle={year}",
    "/company/tree/{team}/?cycle={quarter}",
    "/company/tree/{company_objective}/?cycle={year}",
    "/company/map/{team}/",
    "/company/map/{year_objective}/?cycle={year}",
]


@pytest.mark.parametrize("person", ["dave", "bob", "admin"])
@pytest.mark.parametrize("path", PATHS)
def test_the_company_pages_run_the_same_few_queries_at_any_size(
    company, tree, django_assert_max_num_queries, person, path
):
    url = path.format(
        quarter=company.quarter.pk,
        year=company.year.pk,
        team=tree.team.pk,
        company_objective=tree.company.pk,
        year_objective=tree.year.pk,
    )
    client = client_for(getattr(company, person))
    counts = []
    for size in (5, 35):  # 5 people, then 40
        grow(company, tree, size)
        client.get(url)  # a warm session, as in real use
        with django_assert_max_num_queries(QUERY_BOUND) as captured:
            response = client.get(url, headers={"HX-Request": "true"} if "tree/" in url else {})
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    # The map's roll-up may read one more level below boxes it had no room to draw.
    slack = 2 if "/map/" in url else 0
    assert counts[0] - slack <= counts[1] <= counts[0] + slack


@pytest.mark.parametrize("offset", ["99999999999999999999999", "-3", "x"])
def test_an_odd_offset_in_the_tree_starts_from_the_top(company, offset):
    goal = okrs.create_objective(
        company.ceo, cycle=company.quarter, title="Top", owner_team=company.root
    )
    client = client_for(company.alice)
    for url in [f"/company/tree/?offset={offset}", f"/company/tree/{goal.pk}/?offset={offset}"]:
        assert client.get(url).status_code == 200
