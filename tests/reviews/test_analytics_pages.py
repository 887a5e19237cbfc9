"""The analytics page, its CSV exports and the analytics API, on the Spring company of
`test_analytics` (clock on 16 February 2026, half way through the cycle)."""

import csv
import io
import re

import pytest

from stretch.okrs import services as okrs
from tests.helpers import client_for
from tests.reviews import test_analytics as base

# The fixtures of the Spring company.
clock, spring, metric = base.clock, base.spring, base.metric

SECTIONS = ["progress", "scores", "compliance", "confidence", "risks", "outcomes"]


def page(user, query: str = "") -> str:
    response = client_for(user).get(f"/analytics/{query}")
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, name: str) -> str:
    found = re.search(
        rf'<section class="card analytics-section" id="{name}".*?</section>', html, re.S
    )
    assert found, name
    return found.group(0)


def export(user, query: str) -> tuple[list[list[str]], str]:
    response = client_for(user).get(f"/analytics/export.csv?{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    return rows, response["Content-Disposition"]


# The page -------------------------------------------------------------------------------------


def test_the_page_shows_every_section_with_a_chart_and_a_download(spring):
    html = page(spring.bob, f"?cycle={spring.spring.pk}")
    for name in ["progress", "scores", "compliance", "confidence", "outcomes"]:
        part = section(html, name)
        assert "<svg" in part, name
        assert f"section={name}" in part, name
    assert "section=risks" in section(html, "risks")
    assert "section=stale" in section(html, "risks")
    assert "<script>" not in html and "style=" not in html


def test_histograms_carry_their_numbers_in_a_table(spring):
    part = section(page(spring.bob, f"?cycle={spring.spring.pk}"), "progress")
    assert "6 objectives" in part and "8 key results" in part
    table = re.search(r"<details class=\"chart-data\">.*?</details>", part, re.S).group(0)
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td><td>(\d+)</td></tr>", table)
    assert rows[5] == ("50–60%", "3", "0")
    assert rows[9] == ("90–100%", "1", "3")


def test_the_score_chart_colours_bars_by_grade(spring):
    part = section(page(spring.bob, f"?cycle={spring.spring.pk}"), "scores")
    assert re.search(r'<rect class="bar red"[^>]*><title>0\.2: 1</title>', part)
    assert re.search(r'<rect class="bar green"[^>]*><title>1\.0: 2</title>', part)
    assert re.search(r'<rect class="bar yellow"[^>]*><title>0\.6: 0</title>', part)


def test_before_grading_the_score_section_says_nothing_is_graded_yet(spring):
    from stretch.okrs.models import KeyResult, Objective

    KeyResult.objects.update(score=None)
    Objective.objects.update(score=None)
    part = section(page(spring.bob, f"?cycle={spring.spring.pk}"), "scores")
    assert "Nothing graded yet" in part and "<svg" not in part


def test_compliance_shows_a_bar_per_team(spring):
    part = section(page(spring.bob, f"?cycle={spring.spring.pk}"), "compliance")
    assert re.findall(r"<title>([^<]+)</title>(?:Platform|Sales)", part) == ["Platform", "Sales"]
    assert "80%" in part and "50%" in part
    assert "71% on time (5 of 7)" in part


def test_the_lists_link_to_the_key_results_and_say_when_they_were_last_checked_in(spring):
    part = section(page(spring.bob, f"?cycle={spring.spring.pk}"), "risks")
    assert f'href="/key-results/{spring.k6.pk}/"' in part
    assert "3 key results off track or at risk" in part
    assert "2 stale key results" in part
    assert "never" in part


def test_the_page_never_names_a_private_objective_to_an_outsider(spring):
    assert "Private plan" in page(spring.alice, f"?cycle={spring.spring.pk}")
    html = page(spring.dave, f"?cycle={spring.spring.pk}")
    assert "Private plan" not in html and "Cut the backlog" not in html
    assert "5 objectives" in section(html, "progress")


def test_the_team_filter_narrows_the_page_to_a_subtree(spring):
    html = page(spring.bob, f"?cycle={spring.spring.pk}&team={spring.sales.pk}")
    assert "1 objective" in section(html, "progress")
    assert "Sales and the teams below it" in html
    assert f'<option value="{spring.sales.pk}" selected>' in html


def test_odd_filters_fall_back_rather_than_fail(spring):
    html = page(spring.bob, "?cycle=abc&team=99999999999999999999999")
    assert "the whole company" in html


def test_without_a_cycle_the_page_says_so(db, company):
    from stretch.okrs.models import Cycle

    Cycle.objects.all().delete()
    assert "There is no cycle yet" in page(company.dave)


def test_the_page_needs_a_sign_in(spring):
    from django.test import Client

    response = Client().get("/analytics/")
    assert response.status_code == 302 and "/login/" in response["Location"]


# CSV ------------------------------------------------------------------------------------------


def test_the_progress_csv_has_a_header_and_a_row_per_bucket(spring):
    rows, disposition = export(spring.bob, f"cycle={spring.spring.pk}&section=progress")
    assert rows[0] == ["Level", "Progress", "Count"]
    assert len(rows) == 1 + 20
    assert rows[6] == ["objective", "50–60%", "3"]
    assert rows[20] == ["key result", "90–100%", "3"]
    assert disposition == f'attachment; filename="analytics-progress-cycle-{spring.spring.pk}.csv"'


def test_the_compliance_csv_of_a_team_names_the_team_in_its_file_name(spring):
    query = f"cycle={spring.spring.pk}&team={spring.engineering.pk}&section=compliance"
    rows, disposition = export(spring.bob, query)
    assert rows == [
        ["Team", "Key results", "On time", "Stale", "On time (%)"],
        ["Platform", "5", "4", "1", "80.0"],
        ["Engineering", "5", "4", "1", "80.0"],
    ]
    assert f"-team-{spring.engineering.pk}.csv" in disposition


def test_the_risk_and_stale_csvs_list_every_item(spring):
    rows, _ = export(spring.bob, f"cycle={spring.spring.pk}&section=risks")
    assert rows[0][:4] == ["Key result", "Objective", "Owner", "Status"]
    assert [r[0] for r in rows[1:]] == ["Seats sold", "Cut the backlog", "Flaky tests fixed"]
    assert rows[1][3:8] == ["off_track", "0.0", "50.0", "", ""]
    rows, _ = export(spring.bob, f"cycle={spring.spring.pk}&section=stale")
    assert [(r[0], r[7][:10]) for r in rows[1:]] == [
        ("Seats sold", ""),
        ("Flaky tests fixed", "2026-01-20"),
    ]


def test_the_outcomes_and_confidence_csvs(spring):
    rows, _ = export(spring.bob, f"cycle={spring.spring.pk}&section=outcomes")
    assert rows[1] == ["committed", "4", "56.2", "3", "0.60", "33.3", "33.3"]
    assert rows[2] == ["aspirational", "2", "70.0", "1", "0.90", "100.0", "0.0"]
    rows, _ = export(spring.bob, f"cycle={spring.spring.pk}&section=confidence")
    assert rows[0] == ["Week of", "Mean confidence", "Check-ins"]
    assert ["2026-02-09", "6.50", "4"] in rows
    assert len(rows) == 1 + 13


def test_the_score_csv(spring):
    rows, _ = export(spring.dave, f"cycle={spring.spring.pk}&section=scores")
    assert rows[0] == ["Level", "Score", "Colour", "Count"]
    assert ["objective", "0.2", "red", "0"] in rows  # the private plan is not dave's to see
    assert ["key result", "1.0", "green", "2"] in rows


def test_the_csv_hides_a_private_objective_from_an_outsider(spring):
    rows, _ = export(spring.dave, f"cycle={spring.spring.pk}&section=risks")
    assert "Private plan" not in [r[1] for r in rows]


def test_a_title_a_spreadsheet_would_run_is_quoted(spring):
    objective = okrs.create_objective(
        spring.bob, cycle=spring.spring, title="=HYPERLINK(1)", owner_team=spring.platform
    )
    metric(spring.bob, objective, "@SUM(1)")
    rows, _ = export(spring.bob, f"cycle={spring.spring.pk}&section=risks")
    assert ["'@SUM(1)", "'=HYPERLINK(1)"] in [r[:2] for r in rows]


def test_an_unknown_section_is_a_400_naming_the_field(spring):
    response = client_for(spring.bob).get("/analytics/export.csv?section=everything")
    assert response.status_code == 400
    assert response.content.decode().startswith("section:")


# API ------------------------------------------------------------------------------------------


def test_the_summary_answers_every_section(spring, api_as):
    response = api_as(spring.bob).get(f"/analytics/summary?cycle={spring.spring.pk}")
    assert response.status_code == 200
    body = response.json_body
    assert set(body) == {"scope", *SECTIONS}
    assert body["scope"]["cycle"] == spring.spring.pk and body["scope"]["team"] is None
    assert body["scope"]["expected_progress"] == 0.5
    assert [b["count"] for b in body["progress"]["objectives"]] == [0, 0, 1, 0, 0, 3, 0, 0, 1, 1]
    assert body["progress"]["objectives"][0] == {
        "label": "0–10%",
        "low": 0.0,
        "high": 0.1,
        "count": 0,
    }
    assert body["compliance"]["teams"][0] == {
        "team": spring.platform.pk,
        "name": "Platform",
        "key_results": 5,
        "on_time": 4,
        "stale": 1,
        "share": 0.8,
    }
    assert body["risks"]["at_risk"]["count"] == 3
    assert body["outcomes"]["outcomes"][0]["kind"] == "committed"


@pytest.mark.parametrize("name", SECTIONS)
def test_each_section_has_its_own_endpoint(spring, api_as, name):
    client = api_as(spring.bob)
    one = client.get(f"/analytics/{name}?cycle={spring.spring.pk}&team={spring.root.pk}")
    assert one.status_code == 200
    whole = client.get(f"/analytics/summary?cycle={spring.spring.pk}&team={spring.root.pk}")
    assert one.json_body == whole.json_body[name]


def test_the_scores_endpoint(spring, api_as):
    body = api_as(spring.bob).get(f"/analytics/scores?cycle={spring.spring.pk}").json_body
    assert body["graded_key_results"] == 6
    assert body["key_results"][10] == {"score": 1.0, "colour": "green", "count": 2}


def test_the_confidence_endpoint(spring, api_as):
    body = api_as(spring.dave).get(f"/analytics/confidence?cycle={spring.spring.pk}").json_body
    week = next(w for w in body["weeks"] if w["week"] == "2026-02-09")
    assert week == {"week": "2026-02-09", "confidence": 8.0, "check_ins": 3}


def test_the_risks_endpoint_pages_its_lists(spring, api_as):
    path = f"/analytics/risks?cycle={spring.spring.pk}&limit=1&offset=1"
    body = api_as(spring.bob).get(path).json_body
    assert (body["limit"], body["offset"]) == (1, 1)
    assert body["at_risk"]["count"] == 3
    [item] = body["at_risk"]["items"]
    assert item["key_result_title"] == "Cut the backlog" and item["status"] == "off_track"
    assert item["objective_title"] == "Private plan" and item["owner"] == "Alice"
    assert body["stale"]["items"][0]["last_check_in"].startswith("2026-01-20T10:00:00")


def test_the_api_hides_a_private_objective_from_an_outsider(spring, api_as):
    body = api_as(spring.dave).get(f"/analytics/summary?cycle={spring.spring.pk}").json_body
    assert body["progress"]["objective_count"] == 5
    titles = [i["objective_title"] for i in body["risks"]["at_risk"]["items"]]
    assert "Private plan" not in titles


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("", 400, "cycle"),
        ("?cycle=999999", 400, "cycle"),
        ("?cycle={cycle}&team=999999", 400, "team"),
        ("?cycle=abc", 422, "cycle"),
        ("?cycle=99999999999999999999999", 422, "cycle"),
        ("?cycle={cycle}&team=-1", 422, "team"),
    ],
)
def test_a_missing_or_unknown_cycle_or_team_is_refused_naming_the_field(
    spring, api_as, query, status, field
):
    for name in ["summary", *SECTIONS]:
        response = api_as(spring.bob).get(
            f"/analytics/{name}{query.format(cycle=spring.spring.pk)}"
        )
        assert response.status_code == status, name
        assert field in str(response.json_body["detail"]), name


def test_the_api_needs_a_sign_in(spring, api_as):
    assert api_as(None).get(f"/analytics/summary?cycle={spring.spring.pk}").status_code == 401


# Bounded queries ------------------------------------------------------------------------------


def _grow(c, size: int) -> None:
    """`size` more objectives in Spring, of every owner, half private, each with a metric
    checked in and a milestone with steps, plus a parent without key results."""
    parent = okrs.create_objective(
        c.bob, cycle=c.spring, title=f"Parent {size}", owner_team=c.platform
    )
    owners = [c.alice, c.bob, c.carol, c.dave]
    for n in range(size):
        owner = owners[n % len(owners)]
        objective = okrs.create_objective(
            owner,
            cycle=c.spring,
            title=f"Goal {n}",
            owner_person=owner,
            visibility="private" if n % 2 else "public",
            kind="aspirational" if n % 3 else "committed",
            parent=parent if owner == c.alice else None,
        )
        kr = metric(owner, objective, f"Metric {n}")
        okrs.check_in(owner, kr, value=n % 11, confidence=1 + n % 10)
        okrs.create_key_result(
            owner,
            objective,
            title=f"Milestone {n}",
            kind="milestone",
            steps=[{"title": "One"}, {"title": "Two"}],
        )


# Session, user, cycle, team, team tree, the reader's reach (memberships, 3 levels of reports,
# 2 levels of led teams), objective rows, children of the objective without key results, KR
# buckets, KR scores, compliance, confidence, the two lists (count + page each); the header's
# notification count and profile; the cycles of the switch.
PAGE_QUERIES = 24
# Token, user, the reach (6), cycle, team tree, objective rows, children, KR buckets, KR
# scores, compliance, confidence, the two lists (count + page each), last use of the token.
API_QUERIES = 20


def _count(django_assert_max_num_queries, limit, client, path: str) -> int:
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("team", [None, "engineering", "sales"])
def test_the_page_runs_as_many_queries_for_3_objectives_as_for_30(
    spring, django_assert_max_num_queries, team
):
    client = client_for(spring.carol)
    query = f"?cycle={spring.spring.pk}"
    if team:
        query += f"&team={getattr(spring, team).pk}"
    client.get(f"/analytics/{query}")  # the first visit of a session remembers the language
    counts = []
    for size in (3, 27):  # 3, then 30 objectives more than Spring's own
        _grow(spring, size)
        path = f"/analytics/{query}"
        counts.append(_count(django_assert_max_num_queries, PAGE_QUERIES, client, path))
    assert counts[0] == counts[1]


def test_the_summary_api_runs_as_many_queries_for_3_objectives_as_for_30(
    spring, api_as, django_assert_max_num_queries
):
    client = api_as(spring.carol)
    client.get("/me")  # the first call of a token records when it was used
    counts = []
    for size in (3, 27):
        _grow(spring, size)
        path = f"/analytics/summary?cycle={spring.spring.pk}"
        counts.append(_count(django_assert_max_num_queries, API_QUERIES, client, path))
    assert counts[0] == counts[1]
    body = client.get(f"/analytics/summary?cycle={spring.spring.pk}").json_body
    # Spring's six, two parents and the goals but dave's six private ones (Goal 3, 7, … 23).
    assert body["progress"]["objective_count"] == 6 + 2 + 30 - 6


@pytest.mark.parametrize("name", SECTIONS)
def test_each_section_endpoint_runs_as_many_queries_for_3_objectives_as_for_30(
    spring, api_as, django_assert_max_num_queries, name
):
    client = api_as(spring.carol)
    client.get("/me")  # the first call of a token records when it was used
    counts = []
    for size in (3, 27):
        _grow(spring, size)
        path = f"/analytics/{name}?cycle={spring.spring.pk}"
        counts.append(_count(django_assert_max_num_queries, API_QUERIES, client, path))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("section_name", ["progress", "risks", "stale", "compliance"])
def test_the_csv_runs_as_many_queries_for_3_objectives_as_for_30(
    spring, django_assert_max_num_queries, section_name
):
    client = client_for(spring.carol)
    client.get("/analytics/")
    counts = []
    for size in (3, 27):
        _grow(spring, size)
        path = f"/analytics/export.csv?cycle={spring.spring.pk}&section={section_name}"
        counts.append(_count(django_assert_max_num_queries, PAGE_QUERIES, client, path))
    assert counts[0] == counts[1]
