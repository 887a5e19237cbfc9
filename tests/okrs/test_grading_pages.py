"""Grading on the objective page and the cycles page where administrators move phases."""

import re
from datetime import UTC, date, datetime
from html import unescape

import pytest

from stretch.okrs import grading, phases
from stretch.okrs import services as okrs
from stretch.okrs.models import Cycle, KeyResult, Objective
from tests.helpers import client_for


@pytest.fixture
def kr(company, objective):
    kr = okrs.create_key_result(
        company.alice, objective, title="Jobs migrated", start=0, target=200, owner=company.bob
    )
    okrs.check_in(company.alice, kr, value=130)  # 65%: 0.7 suggested
    return kr


def end_cycle(company, clock, cycle):
    clock.move_to(datetime(2027, 1, 4, 12, tzinfo=UTC))
    phases.set_phase(company.admin, cycle, Cycle.Status.GRADING)


def page_of(user, objective, status=200) -> str:
    response = client_for(user).get(f"/objectives/{objective.pk}/")
    assert response.status_code == status
    return response.content.decode()


def kr_form(kr) -> str:
    return f'action="/key-results/{kr.pk}/grade/"'


def objective_form(objective) -> str:
    return f'action="/objectives/{objective.pk}/grade/"'


def selected(page: str, select_id: str) -> list[str]:
    found = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert found is not None, f"no select {select_id}"
    return re.findall(r'<option value="([^"]+)" selected>', found.group(1))


def text(page: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())


# The grading form ---------------------------------------------------------------------------


def test_there_is_no_grading_form_before_the_cycle_is_graded(company, objective, kr):
    page = page_of(company.alice, objective)
    assert kr_form(kr) not in page
    assert objective_form(objective) not in page


def test_the_owner_grades_with_the_suggested_score_preselected(company, clock, q4, objective, kr):
    end_cycle(company, clock, q4)
    page = page_of(company.alice, objective)
    assert kr_form(kr) in page
    assert selected(page, f"kr-{kr.pk}-score") == ["0.7"]
    assert "suggested from progress: 0.7" in text(page)
    assert objective_form(objective) in page
    assert "1 key result is not graded yet" in text(page)


def test_the_key_results_owner_grades_it_but_not_the_objective(company, clock, q4, objective, kr):
    end_cycle(company, clock, q4)
    page = page_of(company.bob, objective)
    assert kr_form(kr) in page
    assert objective_form(objective) not in page


def test_an_outsider_sees_no_grading_form(company, clock, q4, objective, kr):
    end_cycle(company, clock, q4)
    page = page_of(company.dave, objective)
    assert kr_form(kr) not in page
    assert objective_form(objective) not in page


def test_a_draft_objective_shows_no_grading_form(company, clock, q4, objective, kr):
    okrs.update_objective(company.alice, objective, {"status": "draft"})
    end_cycle(company, clock, q4)
    page = page_of(company.alice, objective)
    assert kr_form(kr) not in page
    assert objective_form(objective) not in page


def test_an_outsider_cannot_post_a_grade(company, clock, q4, objective, kr):
    end_cycle(company, clock, q4)
    dave = client_for(company.dave)
    assert dave.post(f"/key-results/{kr.pk}/grade/", {"score": "1.0"}).status_code == 403
    assert dave.post(f"/objectives/{objective.pk}/grade/", {"score": "1.0"}).status_code == 403
    assert KeyResult.objects.get(pk=kr.pk).score is None
    assert Objective.objects.get(pk=objective.pk).score is None


# Posting grades -----------------------------------------------------------------------------


def test_posting_grades_stores_them_and_shows_the_coloured_scores(
    company, clock, q4, objective, kr
):
    end_cycle(company, clock, q4)
    bob, alice = client_for(company.bob), client_for(company.alice)
    response = bob.post(f"/key-results/{kr.pk}/grade/", {"score": "0.7", "reason": ""})
    assert response.status_code == 302
    assert response["Location"] == f"/objectives/{objective.pk}/#kr-{kr.pk}"
    assert KeyResult.objects.get(pk=kr.pk).score == 0.7
    response = alice.post(
        f"/objectives/{objective.pk}/grade/",
        {"score": "0.7", "reason": "", "reflection": "The freeze cost us three weeks"},
    )
    assert response.status_code == 302
    assert Objective.objects.get(pk=objective.pk).score == 0.7
    page = page_of(company.dave, objective)  # failure or success, shown to every reader
    assert re.search(r'<span class="pill grade green">Score 0.7</span>', page)
    assert page.count("pill grade green") == 2  # the key result's and the objective's
    assert "Achieved: 0.7 and above is success." in page
    assert "The freeze cost us three weeks" in page
    assert "A committed objective is expected to reach 1.0; this one fell short." in page


def test_a_low_score_is_shown_plainly_in_red(company, clock, q4, objective):
    kr = okrs.create_key_result(company.alice, objective, title="Cut cost", target=10)
    okrs.check_in(company.alice, kr, value=2)
    end_cycle(company, clock, q4)
    alice = client_for(company.alice)
    alice.post(f"/key-results/{kr.pk}/grade/", {"score": "0.2"})
    alice.post(f"/objectives/{objective.pk}/grade/", {"score": "0.2", "reflection": "Wrong bet"})
    page = page_of(company.dave, objective)
    assert 'class="pill grade red">Score 0.2' in page
    assert "Missed. A miss is allowed; say what it taught you." in page


def test_a_refused_key_result_grade_says_why(company, clock, q4, objective, kr):
    end_cycle(company, clock, q4)
    response = client_for(company.bob).post(f"/key-results/{kr.pk}/grade/", {"score": "0.9"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert">The suggested score is 0.7 from the progress' in page
    assert selected(page, f"kr-{kr.pk}-score") == ["0.9"]  # what was chosen, kept
    assert "suggested from progress: 0.7" in text(page)
    assert KeyResult.objects.get(pk=kr.pk).score is None


def test_a_refused_objective_grade_keeps_what_was_typed(company, clock, q4, objective, kr):
    end_cycle(company, clock, q4)
    grading.grade_key_result(company.bob, kr, 0.7)
    response = client_for(company.alice).post(
        f"/objectives/{objective.pk}/grade/",
        {"score": "0.5", "reason": "", "reflection": "We <b>started</b> late"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', page, re.S)
    assert found is not None
    assert "weighted mean gives 0.7" in unescape(found.group(1))
    assert "We &lt;b&gt;started&lt;/b&gt; late</textarea>" in page  # kept, and escaped
    assert selected(page, "objective-score") == ["0.5"]
    assert Objective.objects.get(pk=objective.pk).score is None


def test_a_committed_objective_below_1_is_refused_without_a_reflection(
    company, clock, q4, objective, kr
):
    end_cycle(company, clock, q4)
    grading.grade_key_result(company.bob, kr, 0.7)
    response = client_for(company.alice).post(
        f"/objectives/{objective.pk}/grade/", {"score": "0.7", "reason": "", "reflection": ""}
    )
    assert response.status_code == 400
    assert "A committed objective is expected to reach 1.0" in unescape(response.content.decode())
    assert Objective.objects.get(pk=objective.pk).score is None


def test_an_aspirational_objective_fully_achieved_is_flagged(company, clock, q4, objective):
    okrs.update_objective(company.alice, objective, {"kind": "aspirational"})
    kr = okrs.create_key_result(company.alice, objective, title="Launch", kind="milestone")
    okrs.check_in(company.alice, kr, done=True)
    end_cycle(company, clock, q4)
    alice = client_for(company.alice)
    assert alice.post(f"/key-results/{kr.pk}/grade/", {"score": "1.0"}).status_code == 302
    assert alice.post(f"/objectives/{objective.pk}/grade/", {"score": "1.0"}).status_code == 302
    page = page_of(company.bob, objective)
    assert "An aspirational objective fully achieved: maybe it was not ambitious enough." in page


# The cycles page ----------------------------------------------------------------------------


def test_the_cycles_page_lists_every_cycle_with_its_phase(company, q4):
    okrs.create_cycle(company.admin, name="Q1 2027", start=date(2027, 1, 1), end=date(2027, 3, 31))
    response = client_for(company.alice).get("/cycles/")
    assert response.status_code == 200
    page = response.content.decode()
    row = re.search(rf'<tr id="cycle-{q4.pk}">.*?</tr>', page, re.S).group(0)
    assert "Q4 2026" in row
    assert '<span class="pill phase active">Active</span>' in row
    assert "Planning" in page  # Q1 2027
    assert "<form" not in page.split("<table", 1)[1]  # no move buttons for a member


def test_the_administrator_sees_the_move_buttons_and_moves_a_cycle(company, q4):
    admin = client_for(company.admin)
    page = admin.get("/cycles/").content.decode()
    row = re.search(rf'<tr id="cycle-{q4.pk}">.*?</tr>', page, re.S).group(0)
    assert 'name="phase" value="grading"><button type="submit">Open grading</button>' in row
    assert 'name="phase" value="planning"' in row  # and one step back
    response = admin.post(f"/cycles/{q4.pk}/phase/", {"phase": "grading"}, follow=True)
    assert response.status_code == 200
    assert Cycle.objects.get(pk=q4.pk).status == "grading"
    page = response.content.decode()
    assert "Q4 2026 is now in its Grading phase." in page
    row = re.search(rf'<tr id="cycle-{q4.pk}">.*?</tr>', page, re.S).group(0)
    assert "Close the cycle" in row
    assert 'name="phase" value="active"' in row  # back to check-ins


def test_an_unknown_phase_posted_by_the_administrator_is_refused(company, q4):
    response = client_for(company.admin).post(
        f"/cycles/{q4.pk}/phase/", {"phase": "finished"}, follow=True
    )
    assert "Must be one of: planning, active, grading, closed." in response.content.decode()
    assert Cycle.objects.get(pk=q4.pk).status == "active"


def test_reopening_by_hand_shows_the_cycle_as_moved_by_hand(company, q4):
    admin = client_for(company.admin)
    admin.post(f"/cycles/{q4.pk}/phase/", {"phase": "planning"})
    page = admin.get("/cycles/").content.decode()
    row = re.search(rf'<tr id="cycle-{q4.pk}">.*?</tr>', page, re.S).group(0)
    assert "moved by hand" in row
    assert Cycle.objects.get(pk=q4.pk).auto_advance is False


def test_a_member_may_not_move_a_cycle(company, q4):
    response = client_for(company.alice).post(f"/cycles/{q4.pk}/phase/", {"phase": "grading"})
    assert response.status_code == 403
    assert Cycle.objects.get(pk=q4.pk).status == "active"


@pytest.mark.parametrize("extra", [1, 8])
def test_the_cycles_page_runs_a_bounded_number_of_queries(
    company, q4, extra, django_assert_max_num_queries
):
    for n in range(extra):
        okrs.create_cycle(
            company.admin, name=f"Later {n}", start=date(2027 + n, 1, 1), end=date(2027 + n, 3, 31)
        )
    admin = client_for(company.admin)
    with django_assert_max_num_queries(12):
        assert admin.get("/cycles/").status_code == 200


def test_an_overlong_reflection_is_refused_not_cut(company, clock, q4, objective, kr):
    end_cycle(company, clock, q4)
    client = client_for(company.alice)
    client.post(f"/key-results/{kr.pk}/grade/", {"score": "0.7"})
    response = client.post(
        f"/objectives/{objective.pk}/grade/", {"score": "0.7", "reflection": "x" * 10_001}
    )
    assert response.status_code == 400
    assert "At most 10000 characters" in response.content.decode()
    assert Objective.objects.get(pk=objective.pk).score is None
    response = client.post(f"/key-results/{kr.pk}/grade/", {"score": "0.9", "reason": "y" * 2001})
    assert response.status_code == 400
    assert KeyResult.objects.get(pk=kr.pk).score == 0.7
