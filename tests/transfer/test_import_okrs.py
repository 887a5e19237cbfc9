"""OKR import (CSV and XLSX in the shared format): every problem with its line and column,
dry run writes nothing, all or nothing, re-import updates in place."""

import io

import openpyxl
import pytest

from stretch.okrs import services as okrs
from stretch.okrs.models import KeyResult, Objective
from stretch.transfer import okr_import

HEADER = "cycle,objective,owner,objective_kind,parent,key_result,direction,start,target,range_low,range_high,unit,kr_owner\n"


def run(company, text, *, actor=None, dry_run=False, cycle=None):
    return okr_import.run(
        text.encode(), actor or company.admin, dry_run=dry_run, cycle=cycle, filename="okrs.csv"
    )


def problems(report):
    return [(p.line, p.column) for p in report.problems]


def counts():
    return Objective.objects.count(), KeyResult.objects.count()


GOOD = HEADER + (
    "Year,Ship the platform,team:Platform,committed,,Cut latency,decrease,300,100,,,ms,bob\n"
    "Year,Ship the platform,team:Platform,committed,,Uptime in band,range,,,99,100,%,\n"
    "Year,Grow skills,alice,aspirational,Ship the platform,Read books,increase,0,5,,,books,\n"
    "Year,Lonely objective,alice,,,,,,,,,,\n"
)


def test_it_creates_objectives_key_results_and_alignment(company):
    report = run(company, GOOD)
    assert report.problems == []
    assert report.summary["objectives_created"] == 3
    assert report.summary["key_results_created"] == 3
    ship = Objective.objects.get(title="Ship the platform")
    assert ship.owner_team == company.platform
    grow = Objective.objects.get(title="Grow skills")
    assert grow.parent == ship and grow.kind == "aspirational"
    band = KeyResult.objects.get(title="Uptime in band")
    assert (band.range_low, band.range_high, band.direction) == (99, 100, "range")
    assert KeyResult.objects.get(title="Cut latency").owner == company.bob


def test_a_parent_named_later_in_the_file_is_found(company):
    text = HEADER + (
        "Year,Child,alice,,Parent later,,,,,,,,\nYear,Parent later,team:Platform,,,,,,,,,,\n"
    )
    assert run(company, text).problems == []
    assert Objective.objects.get(title="Child").parent.title == "Parent later"


def test_a_dry_run_reports_what_it_would_do_and_writes_nothing(company):
    before = counts()
    report = run(company, GOOD, dry_run=True)
    assert report.problems == [] and report.summary["objectives_created"] == 3
    assert counts() == before


def test_one_bad_row_among_good_ones_writes_nothing(company):
    before = counts()
    text = GOOD + "Year,Bad one,alice,,,Bad kr,increase,10,5,,,,\n"
    report = run(company, text)
    assert problems(report) == [(6, "target")]
    assert counts() == before


def test_each_problem_names_its_line_and_column(company):
    text = HEADER + (
        "Year,A,nobody@x.test,,,,,,,,,,\n"  # 2 unknown owner
        "Nocycle,B,alice,,,,,,,,,,\n"  # 3 unknown cycle
        "Year,C,alice,wild,,,,,,,,,\n"  # 4 bad kind
        "Year,D,alice,,,K,sideways,0,1,,,,\n"  # 5 bad direction
        'Year,E,alice,,,K,increase,"12,5",20,,,,\n'  # 6 bad number
        "Year,F,alice,,,K,range,,,,,,\n"  # 7 range without bounds
        "Year,,alice,,,,,,,,,,\n"  # 8 missing objective
        "Year,G,alice,,,K,increase,abc,1,,,,\n"  # 9 bad number
    )
    report = run(company, text)
    assert problems(report) == [
        (2, "owner"),
        (3, "cycle"),
        (4, "objective_kind"),
        (5, "direction"),
        (6, "start"),
        (7, "range_high"),
        (7, "range_low"),
        (8, "objective"),
        (9, "start"),
    ]
    assert "12,5" in report.problems[4].message


def test_parent_problems(company):
    year_parent = okrs.create_objective(
        company.admin, cycle=company.quarter, owner_team=company.root, title="Quarter thing"
    )
    okrs.create_objective(company.admin, cycle=company.year, owner_team=company.root, title="Twin")
    okrs.create_objective(company.admin, cycle=company.year, owner_team=company.sales, title="Twin")
    text = HEADER + (
        f"Year,Child of quarter,alice,,{year_parent.pk},,,,,,,,\n"  # 2 other cycle
        "Year,Ambiguous,alice,,Twin,,,,,,,,\n"  # 3 ambiguous title
        "Year,Nowhere,alice,,No such objective,,,,,,,,\n"  # 4 unknown parent
    )
    report = run(company, text)
    assert problems(report) == [(2, "parent"), (3, "parent"), (4, "parent")]
    assert "2 objectives" in report.problems[1].message


def test_an_alignment_cycle_in_the_file_is_refused(company):
    text = HEADER + ("Year,Ping,alice,,Pong,,,,,,,,\nYear,Pong,alice,,Ping,,,,,,,,\n")
    report = run(company, text)
    assert problems(report)[0] == (2, "parent")
    assert "Circular" in report.problems[0].message
    assert Objective.objects.count() == 0


def test_a_person_imports_only_what_they_may_create(company):
    text = HEADER + (
        "Year,Mine,alice,,,,,,,,,,\n"
        "Year,Not mine,bob,,,,,,,,,,\n"
        "Year,Not my team,team:Platform,,,,,,,,,,\n"
    )
    report = run(company, text, actor=company.alice)
    assert problems(report) == [(3, "owner"), (4, "owner")]
    assert Objective.objects.count() == 0
    assert run(company, text, actor=company.bob).problems != []
    assert run(company, text, actor=company.admin).problems == []


def test_reimporting_updates_in_place(company):
    run(company, GOOD)
    ship = Objective.objects.get(title="Ship the platform")
    latency = KeyResult.objects.get(title="Cut latency")
    before = counts()
    text = (
        "cycle,objective_id,objective,owner,key_result_id,key_result,direction,start,target,"
        "unit,current,kr_progress\n"
        f"Year,{ship.pk},Ship the platform well,team:Platform,{latency.pk},Cut latency,decrease,"
        "300,80,ms,200,0.5\n"
    )
    first = run(company, text)
    assert first.problems == []
    assert first.summary["objectives_updated"] == 1 and first.summary["key_results_updated"] == 1
    again = run(company, text)
    assert again.summary["objectives_unchanged"] == 1
    assert again.summary["key_results_unchanged"] == 1
    assert counts() == before
    ship.refresh_from_db()
    latency.refresh_from_db()
    assert ship.title == "Ship the platform well" and latency.target == 80


def test_an_xlsx_file_imports_like_a_csv(company):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "OKRs"
    sheet.append(["Cycle", "Objective", "Owner", "Key Result", "Start", "Target"])
    sheet.append(["Year", "From a spreadsheet", "alice", "Count things", 0, 12.5])
    sheet.append(["Year", "From a spreadsheet", "alice", "Bad target", 0, "12,5"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = okr_import.run(buffer.getvalue(), company.admin, dry_run=False)
    assert [(p.line, p.column) for p in report.problems] == [(3, "target")]
    sheet.delete_rows(3)
    buffer = io.BytesIO()
    book.save(buffer)
    report = okr_import.run(buffer.getvalue(), company.admin, dry_run=False)
    assert report.problems == []
    assert KeyResult.objects.get(title="Count things").target == 12.5


@pytest.mark.parametrize("fail_at", [1, 3])
def test_a_failure_half_way_rolls_everything_back(company, monkeypatch, fail_at):
    calls = {"n": 0}
    real = okrs.create_key_result

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(okrs, "create_key_result", failing)
    before = counts()
    with pytest.raises(RuntimeError):
        run(company, GOOD)
    assert counts() == before


def test_importing_the_same_file_twice_without_ids_creates_nothing_the_second_time(company):
    first = run(company, GOOD)
    assert first.summary["objectives_created"] == 3
    before = counts()
    # The parent named by title is now both a row of the file and an objective in Stretch:
    # the same one, not two candidates.
    again = run(
        company, GOOD.replace("Cut latency,decrease,300,100", "Cut latency,decrease,300,90")
    )
    assert again.problems == []
    assert counts() == before
    assert again.summary["objectives_created"] == 0 and again.summary["key_results_created"] == 0
    assert again.summary["key_results_updated"] == 1
    assert KeyResult.objects.get(title="Cut latency").target == 90
