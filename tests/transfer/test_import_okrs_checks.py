"""OKR import: ids that are no ids, loops through stored objectives, texts longer than the
database holds, and no queued work (webhooks) from a dry run."""

import pytest

from stretch.okrs import services as okrs
from stretch.okrs.models import KeyResult, Objective
from stretch.transfer import okr_import
from tests.webhooks.conftest import add_webhook

IDS = "objective_id,cycle,objective,owner,parent,key_result_id,key_result\n"


def run(company, text, *, actor=None, dry_run=False):
    return okr_import.run(text.encode(), actor or company.admin, dry_run=dry_run)


def where(report):
    return [(p.line, p.column) for p in report.problems]


def counts():
    return Objective.objects.count(), KeyResult.objects.count()


@pytest.mark.parametrize("number", ["²", "1²", "99999999999999999999999", str(2**63)])
def test_an_id_that_is_no_number_or_too_large_is_a_problem_on_its_column(company, number):
    before = counts()
    for row, column in (
        (f"{number},Year,A,alice,,,\n", "objective_id"),
        (f",Year,A,alice,,{number},Kr\n", "key_result_id"),
    ):
        report = run(company, IDS + row)
        assert where(report) == [(2, column)], report.problems
        assert "is not an id" in report.problems[0].message
    assert counts() == before


@pytest.mark.parametrize("number", ["99999999999999999999999", str(2**63)])
def test_a_parent_id_too_large_is_a_problem_on_parent(company, number):
    report = run(company, IDS + f",Year,A,alice,{number},,\n")
    assert where(report) == [(2, "parent")]
    assert "is not an id" in report.problems[0].message


def test_superscript_digits_as_parent_are_a_title_not_found(company):
    report = run(company, IDS + ",Year,A,alice,²,,\n")
    assert where(report) == [(2, "parent")]
    assert "No objective titled “²”" in report.problems[0].message


def test_the_largest_id_is_an_id_that_is_not_found(company):
    report = run(company, IDS + f"{2**63 - 1},Year,A,alice,,,\n")
    assert where(report) == [(2, "objective_id")]


def _mine(company, title, parent=None, person=None, **fields):
    person = person or company.alice
    found = okrs.create_objective(
        person, cycle=company.year, title=title, owner_person=person, **fields
    )
    if parent is not None:
        Objective.objects.filter(pk=found.pk).update(parent=parent)
    return found


def test_a_two_step_loop_through_a_stored_objective_is_refused(company):
    a = _mine(company, "Alpha")
    b = _mine(company, "Beta", parent=a)
    report = run(company, IDS + f"{a.pk},Year,Alpha,alice,{b.pk},,\n", actor=company.alice)
    assert where(report) == [(2, "parent")]
    assert report.problems[0].message == "Circular alignment: Alpha → Beta → Alpha."
    assert Objective.objects.get(pk=a.pk).parent_id is None


def test_a_three_step_loop_through_stored_objectives_is_refused(company):
    a = _mine(company, "Alpha")
    b = _mine(company, "Beta", parent=a)
    c = _mine(company, "Gamma", parent=b)
    report = run(company, IDS + f"{a.pk},Year,Alpha,alice,Gamma,,\n", actor=company.alice)
    assert where(report) == [(2, "parent")]
    assert report.problems[0].message == "Circular alignment: Alpha → Gamma → Beta → Alpha."
    assert Objective.objects.get(pk=a.pk).parent_id is None
    assert Objective.objects.get(pk=c.pk).parent_id == b.pk


def test_a_loop_through_the_file_and_the_store_is_refused(company):
    """The file's row A gets parent B (stored), whose stored parent C the file moves
    below A: A → B → C → A, C taking its parent from the file, B from the store."""
    a = _mine(company, "Alpha")
    c = _mine(company, "Gamma")
    b = _mine(company, "Beta", parent=c)
    text = IDS + f"{a.pk},Year,Alpha,alice,{b.pk},,\n{c.pk},Year,Gamma,alice,{a.pk},,\n"
    report = run(company, text, actor=company.alice)
    assert where(report) == [(2, "parent")]
    assert report.problems[0].message == "Circular alignment: Alpha → Beta → Gamma → Alpha."


def test_a_loop_names_an_objective_the_importer_cannot_see_without_its_title(company):
    a = _mine(company, "Alpha")
    hidden = _mine(company, "Dave's secret", parent=a, person=company.dave, visibility="private")
    c = _mine(company, "Gamma", parent=hidden)
    report = run(company, IDS + f"{a.pk},Year,Alpha,alice,{c.pk},,\n", actor=company.alice)
    assert where(report) == [(2, "parent")]
    message = report.problems[0].message
    assert message == "Circular alignment: Alpha → Gamma → an objective you cannot see → Alpha."
    assert "secret" not in message


def test_texts_longer_than_the_database_holds_name_line_and_column(company):
    before = counts()
    text = "cycle,objective,owner,key_result,unit\n" + (
        f"Year,{'t' * 301},alice,,\n"
        f"Year,Fine,alice,{'k' * 301},\n"
        f"Year,Fine too,alice,Kr,{'u' * 31}\n"
        f"Year,{'t' * 300},alice,{'k' * 300},{'u' * 30}\n"
    )
    report = run(company, text)
    assert where(report) == [(2, "objective"), (3, "key_result"), (4, "unit")]
    assert report.problems[0].message == "At most 300 characters; this has 301."
    assert report.problems[2].message == "At most 30 characters; this has 31."
    assert counts() == before
    good = run(company, "cycle,objective,owner,key_result,unit\n" + text.splitlines()[-1])
    assert good.problems == [] and Objective.objects.filter(title="t" * 300).exists()


CREATING = "cycle,objective,owner,key_result,start,target\nYear,Heard of,team:Platform,Kr,0,1\n"


def test_a_dry_run_queues_no_work_after_commit_and_applying_does(
    company, django_capture_on_commit_callbacks
):
    add_webhook(company, "https://chat.example.org/hook", events=["objective_created"])
    with django_capture_on_commit_callbacks(execute=False) as dry:
        report = run(company, CREATING, dry_run=True)
    assert report.problems == [] and report.summary["objectives_created"] == 1
    assert dry == []
    with django_capture_on_commit_callbacks(execute=False) as applied:
        report = run(company, CREATING)
    assert report.problems == [] and Objective.objects.filter(title="Heard of").exists()
    assert len(applied) >= 1
