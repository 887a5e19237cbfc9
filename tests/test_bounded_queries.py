"""Every list, tree and dashboard runs a bounded number of SQL queries (DESIGN.md): the same
count for a small company and one ten times larger, for the same viewer.

The two companies are built once for the module (tests/scale_helpers.py), each inside a
transaction that is rolled back, and every endpoint is asked of both by a team lead and an
administrator; each test then compares the two counts of one endpoint and viewer. An N+1 (a
query per row shown) makes the larger company's count grow, and the failure lists the
statements that were repeated more often.

Each request is made twice and the second is counted, with the cache cleared in between: the
first one pays for what is done once per process or session (content types, a token's
last-used time), the second is the page as anyone loads it, without a cached tree.
"""

import json
import re
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from stretch.org import services as org
from tests.scale_helpers import Scale, build_company

# The data is made by the module fixture; the mark makes pytest-django set up the database.
pytestmark = pytest.mark.django_db

SMALL, LARGE = 1, 10
VIEWERS = ("lead", "admin")


@dataclass(frozen=True)
class Case:
    name: str
    url: object  # Scale -> path
    api: bool = False
    viewers: tuple[str, ...] = VIEWERS
    # Queries that may run only when some data exists (e.g. a "more" link's count): allowed
    # difference between the two sizes. Each non-zero slack says why where it is set.
    slack: int = 0
    growth: str = ""  # a known N+1: the xfail reason (the suspected code)
    params: dict = field(default_factory=dict)


def api(name, url, **options):
    return Case(name, url if callable(url) else (lambda s, u=url: u), api=True, **options)


def page(name, url, **options):
    return Case(name, url if callable(url) else (lambda s, u=url: u), **options)


CASES = [
    # The JSON API, default page sizes.
    # Objectives whose parent is off the page are read in one more query: at x10 the page's
    # parents happen to be on it, so the larger company runs one query fewer.
    api("api-objectives", "/objectives", slack=1),
    api("api-objectives-of-cycle", lambda s: f"/objectives?cycle={s.quarter.pk}", slack=1),
    api("api-key-results", lambda s: f"/objectives/{s.objective.pk}/key-results"),
    api("api-check-ins", lambda s: f"/key-results/{s.key_result.pk}/check-ins"),
    api("api-objective-history", lambda s: f"/objectives/{s.objective.pk}/history"),
    api("api-people", "/people"),
    api("api-teams", "/teams"),
    api("api-cycles", "/cycles"),
    api("api-alignment", lambda s: f"/cycles/{s.quarter.pk}/alignment"),
    api("api-feed", "/feed"),
    api("api-feed-team", lambda s: f"/feed?team={s.engineering.pk}"),
    api("api-feed-following", "/feed?following=true"),
    api("api-follows", "/follows"),
    api("api-notifications", "/notifications"),
    api("api-comments-objective", lambda s: f"/comments?objective={s.objective.pk}"),
    api("api-comments-key-result", lambda s: f"/comments?key_result={s.key_result.pk}"),
    api("api-comments-check-in", lambda s: f"/comments?check_in={s.check_in.pk}"),
    api("api-recognitions", "/recognitions"),
    api("api-recognition-counts", "/recognitions/counts"),
    api("api-values", "/values"),
    api("api-feedback", "/feedback"),
    api("api-feedback-requests", "/feedback-requests"),
    api("api-conversations", "/conversations"),
    api("api-action-items", "/action-items"),
    api("api-kpis", "/kpis"),
    api("api-kpi-board", "/kpis/board"),
    api("api-kpi-measurements", lambda s: f"/kpis/{s.kpi.pk}/measurements"),
    api("api-initiatives", lambda s: f"/initiatives?key_result={s.key_result.pk}"),
    api("api-initiatives-of-objective", lambda s: f"/initiatives?objective={s.objective.pk}"),
    api("api-reviews", "/reviews"),
    api("api-carry-over", lambda s: f"/cycles/{s.closed.pk}/carry-over"),
    api("api-alignment-requests", "/alignment-requests"),
    api("api-dependencies", "/dependencies"),
    api("api-analytics-summary", lambda s: f"/analytics/summary?cycle={s.quarter.pk}"),
    *[
        api(f"api-analytics-{section}", lambda s, x=section: f"/analytics/{x}?cycle={s.quarter.pk}")
        for section in ("progress", "scores", "compliance", "confidence", "risks", "outcomes")
    ],
    api(
        "api-analytics-team",
        lambda s: f"/analytics/summary?cycle={s.quarter.pk}&team={s.engineering.pk}",
    ),
    api("api-strategy-map", "/strategy-map"),
    api("api-pillars", "/pillars"),
    api("api-imports", "/imports"),
    api("api-tokens", "/tokens"),
    api("api-exports-okrs", lambda s: f"/exports/okrs?cycle={s.quarter.pk}"),
    api("api-exports-okrs-xlsx", lambda s: f"/exports/okrs?cycle={s.quarter.pk}&format=xlsx"),
    api("api-exports-check-ins", lambda s: f"/exports/check-ins?cycle={s.quarter.pk}"),
    # Pages.
    page("my-okrs", "/"),
    page("weekly-check-in", "/check-in/"),
    page("company", "/company/"),
    page("company-tree-group", "/company/tree/?pillar=none"),
    page("company-tree-children", lambda s: f"/company/tree/{s.objective.pk}/"),
    # The map reads a deeper level (its rows and their child counts) only while the first
    # levels leave room under its size limit: the larger company runs 2 queries fewer.
    page("alignment-map", lambda s: f"/company/map/{s.root_objective.pk}/", slack=2),
    page("cycles", "/cycles/"),
    page("team", lambda s: f"/teams/{s.engineering.pk}/"),
    page("team-root", lambda s: f"/teams/{s.root.pk}/"),
    page("team-kpis", lambda s: f"/teams/{s.engineering.pk}/kpis/"),
    page("team-recognition", lambda s: f"/teams/{s.engineering.pk}/recognition/"),
    page("team-review", lambda s: f"/teams/{s.engineering.pk}/reviews/{s.closed.pk}/"),
    page("people", "/people/"),
    page("person", lambda s: f"/people/{s.lead.pk}/"),
    page("explore", "/explore/"),
    page("feed", "/feed/"),
    page("notifications", "/notifications/"),
    page("analytics", "/analytics/"),
    page("kpis", "/kpis/"),
    page("kpi", lambda s: f"/kpis/{s.kpi.pk}/"),
    page("recognition", "/recognition/"),
    page("values", "/values/"),
    page("feedback", "/feedback/"),
    page("one-on-ones", "/one-on-ones/"),
    page("one-on-one", lambda s: f"/one-on-ones/{s.conversation.pk}/", viewers=("lead",)),
    page("requests", "/requests/"),
    page("strategy-map", "/company/strategy-map/"),
    page("objective", lambda s: f"/objectives/{s.objective.pk}/"),
    page("key-result", lambda s: f"/key-results/{s.key_result.pk}/"),
    page("imports", "/imports/"),
    page("tokens", "/settings/tokens/"),
    page("tokens-all", "/settings/tokens/all/", viewers=("admin",)),
]


@dataclass
class Measured:
    status: int
    sql: list[str]
    size: int  # bytes of the answer
    items: int  # rows of a JSON page (-1: not a page)


def _shape(sql: str) -> str:
    """A statement with its values taken out, so that repeats of one query look alike."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+(\.\d+)?\b", "?", sql)
    return re.sub(r"\((?:\?\s*,\s*)+\?\)", "(…)", sql)


def _body(response) -> bytes:
    """The whole answer; a streamed one (CSV exports) runs its queries while it is read."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _measure(client: Client, path: str, headers: dict) -> Measured:
    _body(client.get(path, headers=headers))
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, headers=headers)
        body = _body(response)
    sql = [q["sql"] for q in queries.captured_queries]
    items = -1
    if response.get("Content-Type", "").startswith("application/json"):
        answer = json.loads(body)
        if isinstance(answer, dict) and isinstance(answer.get("items"), list):
            items = len(answer["items"])
    return Measured(response.status_code, sql, len(body), items)


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker):
    """{(case, viewer): (small, large)} for every case, both companies rolled back after."""
    found: dict[tuple[str, str], list[Measured]] = {}
    static = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with django_db_blocker.unblock(), override_settings(STORAGES={**_storages(), **static}):
        for factor in (SMALL, LARGE):
            with transaction.atomic():
                scale = build_company(factor)
                _measure_all(scale, found)
                transaction.set_rollback(True)
            cache.clear()
    return found


def _storages() -> dict:
    from django.conf import settings

    return dict(settings.STORAGES)


def _measure_all(scale: Scale, found: dict) -> None:
    scale.root_objective = scale.objectives[0]
    clients = {}
    for viewer in VIEWERS:
        user = getattr(scale, viewer)
        browser = Client()
        browser.force_login(user)
        clients[viewer] = (browser, {"Authorization": f"Bearer {org.issue_token(user)}"})
    for case in CASES:
        for viewer in case.viewers:
            client, token = clients[viewer]
            path = case.url(scale)
            if case.api:
                path, headers = f"/api/v1{path}", token
            else:
                headers = {}
            found.setdefault((case.name, viewer), []).append(_measure(client, path, headers))


def _params():
    for case in CASES:
        for viewer in case.viewers:
            marks = [pytest.mark.xfail(strict=True, reason=case.growth)] if case.growth else []
            yield pytest.param(case, viewer, id=f"{case.name}-{viewer}", marks=marks)


@pytest.mark.parametrize(("case", "viewer"), list(_params()))
def test_query_count_does_not_grow_with_the_company(measured, case, viewer):
    small, large = measured[(case.name, viewer)]
    assert (small.status, large.status) == (200, 200), (
        f"{case.name} answered {small.status}, {large.status}"
    )
    if abs(len(large.sql) - len(small.sql)) > case.slack:
        pytest.fail(
            f"{case.name} as {viewer}: {len(small.sql)} queries at x{SMALL}, "
            f"{len(large.sql)} at x{LARGE}.\nMore often at x{LARGE}:\n{_more(large, small)}"
            f"\nMore often at x{SMALL}:\n{_more(small, large)}"
        )


def _more(one: Measured, other: Measured) -> str:
    more = Counter(map(_shape, one.sql)) - Counter(map(_shape, other.sql))
    return "\n".join(f"  +{n} x {sql[:400]}" for sql, n in more.most_common(5))


GROWING_LISTS = [
    "api-objectives",
    "api-key-results",
    "api-check-ins",
    "api-people",
    "api-teams",
    "api-feed",
    "api-notifications",
    "api-comments-objective",
    "api-recognitions",
    "api-feedback",
    "api-conversations",
    "api-action-items",
    "api-kpis",
    "api-initiatives",
    "api-reviews",
    "api-imports",
    "api-tokens",
    "api-alignment-requests",
    "api-dependencies",
]


@pytest.mark.parametrize("name", GROWING_LISTS)
def test_the_large_company_shows_more_rows(measured, name):
    """The counts compare something only if the larger company's pages hold more rows."""
    small, large = measured[(name, "lead")]
    assert 0 < small.items < large.items


@pytest.mark.parametrize("name", ["api-alignment", "company", "objective", "key-result", "people"])
def test_the_large_company_shows_more(measured, name):
    small, large = measured[(name, "admin")]
    assert large.size > 2 * small.size
