"""/company/strategy/ (administrators edit the name, mission, vision and pillars; others read)
and /company/strategy-map/ (pillars → company objectives → key results → aligned objectives)."""

import re

import pytest

from stretch.org import strategy
from stretch.org.models import Company, StrategyPillar
from tests.helpers import client_for
from tests.org.test_strategy import plan
from tests.org.test_strategy_api import grow


@pytest.fixture
def s(company):
    return plan(company)


def page(user, path: str, **headers) -> str:
    response = client_for(user).get(path, headers=headers)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def order() -> list[str]:
    return list(StrategyPillar.objects.values_list("name", flat=True))


def section(html: str, key) -> str:
    """The strategy map's band of one pillar (`key` its id or "none")."""
    start = html.index(f'id="pillar-{key}"')
    end = html.find("<section", start + 1)
    return html[start : end if end != -1 else len(html)]


# The edit page ------------------------------------------------------------------------------


def test_an_administrator_sees_the_forms_and_a_link_to_the_values(company, s):
    html = page(company.admin, "/company/strategy/")
    assert 'name="mission"' in html and 'name="vision"' in html and 'value="Testco"' in html
    assert 'action="/company/strategy/pillars/"' in html  # add a pillar
    assert f'action="/company/strategy/pillars/{s.speed.pk}/"' in html
    assert 'href="/values/"' in html
    assert "named by 2 objectives" in html and "named by 0 objectives" in html


def test_someone_else_reads_the_strategy_without_forms(company, s):
    html = page(company.alice, "/company/strategy/")
    assert "Test everything" in html and "Speed" in html
    assert '<form method="post" action="/company/strategy' not in html
    assert 'name="mission"' not in html


@pytest.mark.parametrize(
    "path, data",
    [
        ("/company/strategy/", {"name": "Mine", "mission": "Mine"}),
        ("/company/strategy/pillars/", {"name": "Mine"}),
        ("/company/strategy/pillars/{speed}/", {"action": "save", "name": "Mine"}),
        ("/company/strategy/pillars/{speed}/", {"action": "up"}),
        ("/company/strategy/pillars/{growth}/", {"action": "delete"}),
    ],
)
def test_someone_else_may_not_post_to_the_strategy(company, s, path, data):
    url = path.format(speed=s.speed.pk, growth=s.growth.pk)
    for person in [company.ceo, company.alice]:
        assert client_for(person).post(url, data).status_code == 403
    assert order() == ["Quality", "Speed", "Growth"]
    assert Company.load().mission == "Test everything"


def test_the_pillar_forms_take_posts_only(company, s):
    client = client_for(company.admin)
    assert client.get("/company/strategy/pillars/").status_code == 405
    assert client.get(f"/company/strategy/pillars/{s.speed.pk}/").status_code == 405


def test_saving_the_mission_comes_back_with_a_message(company):
    response = client_for(company.admin).post(
        "/company/strategy/",
        {"name": "Acme", "mission": "Make robots", "vision": "Everywhere"},
        follow=True,
    )
    assert response.redirect_chain == [("/company/strategy/", 302)]
    assert "Saved the company’s name, mission and vision." in response.content.decode()
    saved = Company.load()
    assert (saved.name, saved.mission, saved.vision) == ("Acme", "Make robots", "Everywhere")


def test_a_blank_name_is_refused_beside_the_field_keeping_what_was_typed(company):
    response = client_for(company.admin).post(
        "/company/strategy/", {"name": " ", "mission": "Typed mission", "vision": "Typed vision"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_company_name_error"' in html and "The company needs a name." in html
    assert "Typed mission</textarea>" in html and "Typed vision</textarea>" in html
    assert Company.load().mission == "Test everything"


def test_an_administrator_adds_a_pillar(company):
    response = client_for(company.admin).post(
        "/company/strategy/pillars/", {"name": "Speed", "description": "Fast"}, follow=True
    )
    made = StrategyPillar.objects.get(name="Speed")
    assert response.redirect_chain == [(f"/company/strategy/#pillar-{made.pk}", 302)]
    assert "Pillar “Speed” added." in response.content.decode()
    assert order() == ["Quality", "Speed"]


def test_a_taken_pillar_name_is_refused_beside_the_field(company):
    response = client_for(company.admin).post(
        "/company/strategy/pillars/", {"name": "quality", "description": "Typed"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_name_error"' in html and "There is a pillar called “Quality” already." in html
    assert 'value="quality"' in html and "Typed</textarea>" in html
    assert order() == ["Quality"]


def test_an_administrator_renames_a_pillar(company, s):
    url = f"/company/strategy/pillars/{s.speed.pk}/"
    response = client_for(company.admin).post(
        url, {"action": "save", "name": "Velocity", "description": "Ship"}, follow=True
    )
    assert "Saved “Velocity”." in response.content.decode()
    assert order() == ["Quality", "Velocity", "Growth"]


def test_a_bad_rename_opens_that_pillars_form_with_the_problem(company, s):
    url = f"/company/strategy/pillars/{s.speed.pk}/"
    response = client_for(company.admin).post(url, {"action": "save", "name": "x" * 201})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="pillar-name-{s.speed.pk}-error"' in html and "At most 200 characters." in html
    assert f'id="pillar-name-{s.growth.pk}-error"' not in html
    assert order() == ["Quality", "Speed", "Growth"]


def test_up_and_down_reorder_the_pillars(company, s):
    client = client_for(company.admin)
    client.post(f"/company/strategy/pillars/{s.growth.pk}/", {"action": "up"})
    assert order() == ["Quality", "Growth", "Speed"]
    client.post(f"/company/strategy/pillars/{s.quality.pk}/", {"action": "down"})
    assert order() == ["Growth", "Quality", "Speed"]
    html = page(company.admin, "/company/strategy/")
    assert html.index("Move Growth down") < html.index("Move Quality up")
    assert "Move Growth up" not in html and "Move Speed down" not in html


def test_an_administrator_deletes_a_pillar_no_objective_names(company, s):
    url = f"/company/strategy/pillars/{s.growth.pk}/"
    response = client_for(company.admin).post(url, {"action": "delete"}, follow=True)
    assert "Deleted “Growth”." in response.content.decode()
    assert order() == ["Quality", "Speed"]


def test_deleting_a_pillar_objectives_name_is_refused_with_the_reason(company, s):
    url = f"/company/strategy/pillars/{s.speed.pk}/"
    response = client_for(company.admin).post(url, {"action": "delete"})
    assert response.status_code == 400
    html = response.content.decode()
    refusal = html[html.index(f'id="pillar-{s.speed.pk}-refused"') :]
    assert "2 objectives name “Speed”: give them another pillar first." in refusal[:300]
    assert order() == ["Quality", "Speed", "Growth"]


def test_an_unknown_pillar_is_404(company):
    response = client_for(company.admin).post("/company/strategy/pillars/999999/", {})
    assert response.status_code == 404


def test_the_company_page_links_to_the_map_and_for_administrators_to_editing(company, s):
    assert 'href="/company/strategy/"' in page(company.admin, "/company/")
    html = page(company.alice, f"/company/?cycle={company.quarter.pk}")
    assert f'href="/company/strategy-map/?cycle={company.quarter.pk}"' in html
    assert 'href="/company/strategy/"' not in html


# The strategy map ---------------------------------------------------------------------------


def test_the_map_draws_pillars_their_objectives_key_results_and_what_aligns(company, s):
    html = page(company.admin, "/company/strategy-map/")
    assert "Strategy map · Quarter" in html and "Test everything" in html
    assert html.index('id="pillar-' + str(s.quality.pk)) < html.index(f'id="pillar-{s.speed.pk}')
    quality = section(html, s.quality.pk)
    for text in ["Be reliable", "Year", "No outages", "Incidents a month", "Boring platform"]:
        assert text in quality
    assert "2 aligned team and personal objectives" in quality
    assert "1 aligned objective" in quality  # below "Boring platform", loaded when opened
    assert "Migrate jobs" not in quality
    assert f'href="/company/tree/{s.platform.pk}/?cycle={company.quarter.pk}"' in quality
    assert "50%" in quality  # "No outages" rolled up from its key result
    assert "80%" in section(html, s.speed.pk)  # "Ship weekly" from "Faster deploys"


def test_the_map_flags_an_unserved_pillar_and_objectives_without_a_pillar(company, s):
    html = page(company.admin, f"/company/strategy-map/?cycle={company.quarter.pk}")
    assert "1 pillar has no company objective in this cycle:" in html
    assert "No company objective serves this pillar in Quarter." in section(html, s.growth.pk)
    assert "1 company objective names no pillar." in html
    unpillared = section(html, "none")
    assert "Without a pillar" in unpillared and "Tidy the office" in unpillared
    assert "Aligned to" in unpillared and "No outages" in unpillared


def test_a_map_with_no_gaps_says_so(company, s):
    from stretch.okrs import services as okrs

    okrs.update_objective(company.admin, s.tidy, {"pillar": s.growth})
    html = page(company.admin, "/company/strategy-map/")
    assert "Every pillar has a company objective" in html
    assert 'id="pillar-none"' not in html


def test_the_map_shows_no_private_objective_and_counts_none_to_others(company, s):
    html = page(company.dave, "/company/strategy-map/")
    assert "Secret plan" not in html and "Fix paging" not in html
    assert "1 aligned team or personal objective" in section(html, s.quality.pk)
    carol = page(company.carol, "/company/strategy-map/")
    assert "Fix paging" in carol and "Secret plan" not in carol


def test_a_long_list_below_says_how_many_more_and_links_to_the_alignment_map(
    company, s, monkeypatch
):
    monkeypatch.setattr(strategy, "ALIGNED_LIMIT", 1)
    html = page(company.admin, "/company/strategy-map/")
    quality = section(html, s.quality.pk)
    assert "Fix paging" not in quality and "and 1 more on the alignment map" in quality
    assert f'href="/company/map/{s.outages.pk}/?cycle={company.quarter.pk}"' in quality


def test_the_map_follows_the_cycle_asked_for(company, s):
    html = page(company.admin, f"/company/strategy-map/?cycle={company.year.pk}")
    assert "Strategy map · Year" in html and "No outages" not in html
    assert "2 pillars have no company objective in this cycle:" in html


def test_an_unknown_cycle_shows_a_cycle_there_is(company, s):
    # As on every page: ?cycle= is a choice of view, not an input to refuse (the API does).
    html = page(company.admin, "/company/strategy-map/?cycle=999999")
    assert "selected>" in html and "Strategy map · " in html


def test_the_map_without_cycles_says_so(company):
    from stretch.okrs.models import Cycle

    Cycle.objects.all().delete()
    assert "There are no cycles yet." in page(company.admin, "/company/strategy-map/")


def test_the_strategy_pages_carry_no_inline_script_and_load_nothing_from_elsewhere(company, s):
    for path in ["/company/strategy/", "/company/strategy-map/"]:
        html = page(company.admin, path)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r'(src|href)="(https?:)?//', html), path
        assert "/static/stretch/strategy.css" in html


@pytest.mark.parametrize("person", ["dave", "carol", "admin"])
@pytest.mark.parametrize("path", ["/company/strategy-map/", "/company/strategy/"])
def test_the_strategy_pages_run_the_same_few_queries_at_any_size(
    company, s, person, path, django_assert_max_num_queries
):
    client = client_for(getattr(company, person))
    counts = []
    for size in (4, 30):
        grow(company, s, size)
        client.get(path)  # a warm session, as in real use
        with django_assert_max_num_queries(40) as captured:
            response = client.get(path)
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_an_unserved_pillar_shows_the_objectives_that_name_it_from_below(company, s):
    from stretch.okrs import services as okrs

    okrs.create_objective(
        company.bob,
        cycle=company.quarter,
        title="Hire",
        owner_team=company.platform,
        pillar=s.growth,
    )
    growth = section(page(company.dave, "/company/strategy-map/"), s.growth.pk)
    assert "No company objective serves this pillar in Quarter." in growth
    assert "1 team or personal objective names it:" in growth and "Hire" in growth
