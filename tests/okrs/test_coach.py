"""The OKR coach: each writing check fires on the weak form, stays quiet on the strong one."""

import pytest
from django.utils import translation

from stretch.okrs import coach
from stretch.okrs import services as okrs

GOOD_KRS = [
    {"title": "Deploys per week from 2 to 20", "kind": "metric", "start": 2, "target": 20},
    {
        "title": "Failed deploys below 2%",
        "kind": "metric",
        "direction": "decrease",
        "start": 12,
        "target": 2,
    },
]


def names(draft: coach.Draft) -> set[str]:
    return {finding.check for finding in coach.check(draft)}


def good(**changes) -> coach.Draft:
    fields = {"title": "Make deploys boring", "has_parent": True, "key_results": GOOD_KRS}
    return coach.Draft(**{**fields, **changes})


def test_a_well_written_okr_gets_no_finding():
    assert names(good()) == set()


@pytest.mark.parametrize(
    ("key_result", "check"),
    [
        ({"title": "Improve onboarding", "kind": "metric"}, "kr_no_number"),
        (
            {"title": "Uptime", "kind": "metric", "start": 99.9, "target": 99.9},
            "target_equals_start",
        ),
        ({"title": "Launch the portal", "kind": "milestone"}, "kr_no_date"),
        ({"title": "Write the migration guide", "kind": "milestone"}, "kr_is_task"),
        ({"title": "完成迁移文档", "kind": "milestone"}, "kr_is_task"),
    ],
)
def test_a_weak_key_result_is_named(key_result, check):
    assert check in names(good(key_results=[*GOOD_KRS, key_result]))


def test_a_milestone_with_a_date_or_steps_is_fine():
    dated = {"title": "Portal live for 10 partners by 15 November", "kind": "milestone"}
    stepped = {"title": "Launch the portal", "kind": "milestone", "steps": [{"title": "Pilot"}]}
    assert names(good(key_results=[*GOOD_KRS, dated, stepped])) == set()


def test_a_range_needs_no_target():
    uptime = {"title": "Uptime within 99.9-100%", "kind": "metric", "direction": "range"}
    assert names(good(key_results=[*GOOD_KRS, uptime])) == set()


@pytest.mark.parametrize(
    ("count", "check"), [(1, "too_few_key_results"), (6, "too_many_key_results")]
)
def test_the_number_of_key_results_is_two_to_five(count, check):
    krs = [{"title": f"Metric {n}", "target": 10 + n} for n in range(count)]
    assert check in names(good(key_results=krs))
    three = [{"title": f"Metric {n}", "target": 10 + n} for n in range(3)]
    assert not {"too_few_key_results", "too_many_key_results"} & names(good(key_results=three))


def test_blank_rows_do_not_count_as_key_results():
    assert "too_few_key_results" in names(good(key_results=[GOOD_KRS[0], {"title": "  "}]))


def test_more_than_five_objectives_for_one_owner_is_too_many():
    assert "too_many_objectives" in names(good(objectives_of_owner=5))
    assert "too_many_objectives" not in names(good(objectives_of_owner=4))


@pytest.mark.parametrize(
    ("title", "flagged"),
    [
        ("Revenue 10M", True),
        ("NPS 50", True),
        ("Grow revenue to 10M in new markets", False),
        ("Delight customers", False),
    ],
)
def test_an_objective_that_is_only_a_number(title, flagged):
    assert ("objective_is_number" in names(good(title=title))) is flagged


def test_standing_alone_needs_a_reason_unless_it_is_a_company_objective():
    assert "not_aligned" in names(good(has_parent=False))
    assert "not_aligned" not in names(good(has_parent=False, standalone_reason="New market"))
    assert "not_aligned" not in names(good(has_parent=False, is_company_objective=True))


def test_lopsided_weights_are_named_with_their_ratio():
    krs = [{**GOOD_KRS[0], "weight": 10}, {**GOOD_KRS[1], "weight": 1}]
    findings = coach.check(good(key_results=krs))
    assert [f.message for f in findings if f.check == "lopsided_weights"] == [
        "The heaviest key result weighs 10 times the lightest."
    ]
    assert "lopsided_weights" not in names(
        good(key_results=[{**GOOD_KRS[0], "weight": 2}, GOOD_KRS[1]])
    )


def test_a_committed_objective_with_low_confidence_is_a_warning():
    krs = [{**GOOD_KRS[0], "confidence": 3}, GOOD_KRS[1]]
    findings = [
        f for f in coach.check(good(key_results=krs)) if f.check == "committed_low_confidence"
    ]
    assert [f.level for f in findings] == ["warning"]
    assert "committed_low_confidence" not in names(good(key_results=krs, kind="aspirational"))


def test_every_finding_says_why_with_a_weak_and_a_strong_example_in_chinese_too():
    weak = coach.Draft(title="Revenue 10M", key_results=[{"title": "Do things"}])
    with translation.override("zh-hans"):
        findings = coach.check(weak)
    assert len(findings) >= 4
    for finding in findings:
        assert finding.why and finding.weak_example and finding.strong_example
        assert any("\u4e00" <= ch <= "\u9fff" for ch in finding.message + finding.why)


def test_the_api_checks_a_draft_and_counts_the_owners_objectives(company, api_as):
    for n in range(5):
        okrs.create_objective(
            company.alice, cycle=company.quarter, title=f"Goal {n}", owner_person=company.alice
        )
    body = {
        "objective": {
            "title": "Revenue 10M",
            "cycle": company.quarter.pk,
            "owner_person": company.alice.pk,
        },
        "key_results": [{"title": "Write the plan", "kind": "milestone"}],
    }
    response = api_as(company.alice).post("/coach/check", body)
    assert response.status_code == 200
    found = {f["check"]: f for f in response.json_body["findings"]}
    assert {
        "objective_is_number",
        "not_aligned",
        "too_many_objectives",
        "too_few_key_results",
        "kr_is_task",
    } <= set(found)
    assert set(found["kr_is_task"]) == {
        "check",
        "level",
        "message",
        "why",
        "weak_example",
        "strong_example",
    }


def test_the_api_does_not_count_objectives_the_caller_may_not_see(company, api_as):
    for n in range(5):
        okrs.create_objective(
            company.alice, cycle=company.quarter, title=f"Secret {n}",
            owner_person=company.alice, visibility="private",
        )  # fmt: skip
    body = {
        "objective": {
            "title": "Help",
            "cycle": company.quarter.pk,
            "owner_person": company.alice.pk,
        }
    }
    checks = {
        f["check"] for f in api_as(company.dave).post("/coach/check", body).json_body["findings"]
    }
    assert "too_many_objectives" not in checks


def test_the_api_needs_a_signed_in_caller(company, api_as):
    assert api_as(None).post("/coach/check", {"objective": {}}).status_code == 401


def test_the_editor_shows_the_coach_and_it_reads_the_form_as_typed(company):
    from tests.helpers import client_for

    client = client_for(company.alice)
    assert 'hx-post="/objectives/coach/"' in client.get("/objectives/new/").content.decode()
    form = {
        "title": "Revenue 10M",
        "owner": f"person:{company.alice.pk}",
        "cycle": company.quarter.pk,
        "kind": "committed",
        "kr-TOTAL_FORMS": "2",
        "kr-0-title": "Write the plan",
        "kr-0-kind": "milestone",
        "kr-1-title": "Removed row",
        "kr-1-DELETE": "on",
    }
    page = client.post("/objectives/coach/", form).content.decode()
    assert "mostly a number" in page and "reads like a task" in page
    assert "1 key result; two to five are usual." in page  # the removed row does not count
    assert "Removed row" not in page


def test_the_coach_panel_says_so_when_there_is_nothing_to_advise(company):
    from tests.helpers import client_for

    goal = okrs.create_objective(
        company.ceo, cycle=company.year, title="Be reliable", owner_team=company.root
    )
    form = {
        "title": "Make deploys boring",
        "owner": f"person:{company.alice.pk}",
        "cycle": company.quarter.pk,
        "parent": goal.pk,
        "kr-TOTAL_FORMS": "2",
        "kr-0-title": "Deploys per week from 2 to 20",
        "kr-0-start": "2",
        "kr-0-target": "20",
        "kr-1-title": "Failed deploys below 2%",
        "kr-1-direction": "decrease",
        "kr-1-start": "12",
        "kr-1-target": "2",
    }
    page = client_for(company.alice).post("/objectives/coach/", form).content.decode()
    assert "No advice" in page
