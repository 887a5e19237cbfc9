"""The OKR cache (stretch/caching.py): the alignment JSON and the company tree are cached, a
committed change shows at once, nobody sees through the cache what they may not see, and a
rolled-back write changes nothing.

These tests commit for real (transaction=True): the cache is used only outside a transaction,
and it is invalidated when a transaction commits.
"""

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from stretch import caching
from stretch.okrs import services as okrs
from tests.test_cli import assert_fails_with_one_line, stretch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def okrs_tree(company):
    """The quarter: the company's "No outages" ← alice's "Migrate jobs" (a KR 0 → 10) and
    alice's private "Secret plan"."""
    t = type("Tree", (), {})()
    t.top = okrs.create_objective(
        company.ceo,
        cycle=company.quarter,
        title="No outages",
        owner_team=company.root,
        pillar=company.pillar,
    )
    t.mine = okrs.create_objective(
        company.alice,
        cycle=company.quarter,
        title="Migrate jobs",
        owner_person=company.alice,
        parent=t.top,
    )
    t.kr = okrs.create_key_result(company.alice, t.mine, title="Jobs moved", target=10)
    t.secret = okrs.create_objective(
        company.alice,
        cycle=company.quarter,
        title="Secret plan",
        owner_person=company.alice,
        parent=t.top,
        visibility="private",
    )
    return t


def nodes(tree: dict) -> dict[int, dict]:
    found: dict[int, dict] = {}

    def walk(node):
        found[node["id"]] = node
        for child in node["children"]:
            walk(child)

    for pillar in tree["pillars"]:
        for node in pillar["objectives"]:
            walk(node)
    return found


def alignment(api, cycle) -> dict:
    response = api.get(f"/cycles/{cycle.pk}/alignment")
    assert response.status_code == 200, response.content
    return response.json_body


def objective_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "okrs_objective" in q["sql"]]


def test_a_check_in_through_the_api_shows_in_the_cached_alignment_json(company, okrs_tree, api_as):
    api = api_as(company.alice)
    assert nodes(alignment(api, company.quarter))[okrs_tree.mine.pk]["progress"] == 0.0
    with CaptureQueriesContext(connection) as again:
        assert nodes(alignment(api, company.quarter))[okrs_tree.mine.pk]["progress"] == 0.0
    assert objective_queries(again) == [], "the second read should come from the cache"

    checked = api.post(f"/key-results/{okrs_tree.kr.pk}/check-ins", {"value": 4})
    assert checked.status_code == 201, checked.content

    after = nodes(alignment(api, company.quarter))
    assert after[okrs_tree.mine.pk]["progress"] == pytest.approx(0.4)
    assert after[okrs_tree.top.pk]["progress"] == pytest.approx(0.2)  # with the secret plan


def test_an_edit_that_records_no_activity_still_shows(company, okrs_tree, api_as):
    api = api_as(company.alice)
    assert nodes(alignment(api, company.quarter))[okrs_tree.mine.pk]["title"] == "Migrate jobs"
    okrs.update_objective(company.alice, okrs_tree.mine, {"title": "Move every job"})
    assert nodes(alignment(api, company.quarter))[okrs_tree.mine.pk]["title"] == "Move every job"


@pytest.mark.parametrize("first", ["admin", "ceo", "alice"])
def test_a_private_objective_never_reaches_someone_who_may_not_see_it(
    company, okrs_tree, api_as, first
):
    privileged = api_as(getattr(company, first))
    assert okrs_tree.secret.pk in nodes(alignment(privileged, company.quarter))

    outsider = alignment(api_as(company.dave), company.quarter)
    assert okrs_tree.secret.pk not in nodes(outsider)
    assert "Secret plan" not in str(outsider)
    assert okrs_tree.mine.pk in nodes(outsider)
    # And the other way round: what the outsider's read left in the cache hides nothing
    # from her manager's manager.
    assert okrs_tree.secret.pk in nodes(alignment(api_as(company.carol), company.quarter))


def company_page(user, cycle) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/company/?cycle={cycle.pk}")
    assert response.status_code == 200
    return response.content.decode()


def test_the_company_tree_is_cached_per_what_the_viewer_may_see(company, okrs_tree):
    assert "Secret plan" in company_page(company.admin, company.quarter)
    assert "Secret plan" not in company_page(company.dave, company.quarter)
    assert "Migrate jobs" in company_page(company.dave, company.quarter)
    assert "Secret plan" in company_page(company.bob, company.quarter)  # alice's manager
    # A second read comes from the cache: it loads no objective of the tree again.
    client = Client()
    client.force_login(company.dave)
    client.get(f"/company/?cycle={company.quarter.pk}")
    with CaptureQueriesContext(connection) as again:
        client.get(f"/company/?cycle={company.quarter.pk}")
    window_queries = [q for q in objective_queries(again) if "ROW_NUMBER" in q.upper()]
    assert window_queries == [], "the tree's children should come from the cache"


def test_the_company_tree_shows_a_check_in_at_once(company, okrs_tree):
    before = company_page(company.dave, company.quarter)
    assert "0%" in before
    okrs.check_in(company.alice, okrs_tree.kr, value=7)
    assert "70%" in company_page(company.dave, company.quarter)


def test_a_rolled_back_write_does_not_bump(company, okrs_tree, api_as):
    api = api_as(company.alice)
    alignment(api, company.quarter)
    generation = caching.generation()

    with pytest.raises(RuntimeError), transaction.atomic():
        okrs.check_in(company.alice, okrs_tree.kr, value=9)
        okrs.update_objective(company.alice, okrs_tree.mine, {"title": "Never saved"})
        raise RuntimeError("the request failed half-way")

    assert caching.generation() == generation
    tree = nodes(alignment(api, company.quarter))
    assert tree[okrs_tree.mine.pk]["progress"] == 0.0
    assert tree[okrs_tree.mine.pk]["title"] == "Migrate jobs"

    okrs.check_in(company.alice, okrs_tree.kr, value=9)  # committed: bumps
    assert caching.generation() > generation
    assert nodes(alignment(api, company.quarter))[okrs_tree.mine.pk]["progress"] == 0.9


def test_a_malformed_redis_url_stops_startup_with_an_example(tmp_path, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "localhost:6379")
    result = stretch(tmp_path, "migrate")
    line = assert_fails_with_one_line(result, "REDIS_URL", "redis://127.0.0.1:6379/0")
    assert "localhost:6379" in line
