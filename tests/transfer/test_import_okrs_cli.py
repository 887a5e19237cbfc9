"""`stretch import-okrs` and `stretch import-org`: a summary, or every problem and exit 1
with one closing line and no traceback; a run killed half-way writes nothing."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from stretch.cli import main
from stretch.okrs.models import Objective
from stretch.org.models import Team

OKRS = "cycle,objective,owner,key_result,start,target\nYear,From the shell,alice,Count,0,10\n"


def test_import_okrs_prints_a_summary(company, tmp_path, capsys):
    path = tmp_path / "okrs.csv"
    path.write_text(OKRS)
    assert main(["import-okrs", str(path), "--dry-run"]) == 0
    assert "Dry run, nothing written: 1 objectives created" in capsys.readouterr().out
    assert not Objective.objects.filter(title="From the shell").exists()
    assert main(["import-okrs", str(path)]) == 0
    assert Objective.objects.filter(title="From the shell").count() == 1


def test_import_okrs_takes_the_cycle_from_the_option(company, tmp_path, capsys):
    path = tmp_path / "okrs.csv"
    path.write_text("objective,owner\nNo cycle column,alice\n")
    assert main(["import-okrs", str(path), "--cycle", "Quarter"]) == 0
    assert Objective.objects.get(title="No cycle column").cycle == company.quarter
    assert main(["import-okrs", str(path), "--cycle", "Decade"]) == 1
    assert "cycle: Unknown cycle “Decade”" in capsys.readouterr().err


def test_one_problem_is_one_clear_line(company, tmp_path, capsys):
    path = tmp_path / "okrs.csv"
    path.write_text(OKRS.replace("0,10", '"1,5",10'))
    assert main(["import-okrs", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "stretch import-okrs: error: line 2, column start: “1,5” is not a number (write it like 12.5)."
    ]


def test_several_problems_are_listed_then_one_closing_line(company, tmp_path, capsys):
    path = tmp_path / "org.csv"
    path.write_text("type,team,parent_team,email,name\nteam,A,Nowhere,,\nperson,,,,Nameless\n")
    before = Team.objects.count()
    assert main(["import-org", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "line 2, column parent_team: Unknown team “Nowhere”.",
        "line 3, column email: A value is needed.",
        "stretch import-org: error: 2 problems; nothing was written.",
    ]
    assert "Traceback" not in "\n".join(err)
    assert Team.objects.count() == before


def test_a_file_that_is_not_a_spreadsheet_is_one_line(company, tmp_path, capsys):
    path = tmp_path / "picture.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00")
    assert main(["import-org", str(path)]) == 1
    assert capsys.readouterr().err == (
        "stretch import-org: error: The file is not a CSV or XLSX file.\n"
    )
    assert main(["import-org", str(tmp_path / "missing.csv")]) == 1
    assert "cannot read" in capsys.readouterr().err


SETUP = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stretch.settings")
django.setup()
from datetime import date
from django.core.management import call_command
call_command("migrate", verbosity=0)
from stretch.org import services as org
from stretch.okrs import services as okrs
admin = org.create_person("root", admin=True)
okrs.create_cycle(admin, name="Big", start=date(2026, 1, 1), end=date(2026, 12, 31))
"""


def _writing(database: Path) -> bool:
    """Whether another process holds SQLite's write lock now."""
    connection = sqlite3.connect(database, timeout=0)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        connection.close()


def test_an_import_killed_half_way_writes_nothing(tmp_path):
    database = tmp_path / "stretch.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "STRETCH_DATA_DIR": str(tmp_path),
        "STRETCH_SECRET_KEY": "x",
    }
    subprocess.run([sys.executable, "-c", SETUP], env=env, check=True, timeout=120)
    rows = ["cycle,objective,owner,key_result,start,target"]
    rows += [f"Big,Objective {n},root,Result {n},0,{n + 1}" for n in range(3000)]
    (tmp_path / "big.csv").write_text("\n".join(rows) + "\n")
    stretch = Path(sys.executable).with_name("stretch")
    process = subprocess.Popen(
        [str(stretch), "import-okrs", str(tmp_path / "big.csv")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        held = 0
        while held < 3:  # the write lock held across checks: the import's transaction
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the import never began writing"
            held = held + 1 if _writing(database) else 0
            time.sleep(0.2)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    connection = sqlite3.connect(database)
    try:
        assert connection.execute("select count(*) from okrs_objective").fetchone() == (0,)
        assert connection.execute("select count(*) from okrs_keyresult").fetchone() == (0,)
    finally:
        connection.close()


def test_without_an_administrator_the_okr_import_refuses_in_one_line(db, tmp_path, capsys):
    from stretch.org import services as org

    org.create_person("alice")
    path = tmp_path / "okrs.csv"
    path.write_text(OKRS)
    assert main(["import-okrs", str(path)]) == 1
    assert capsys.readouterr().err == (
        "stretch import-okrs: error: no administrator to import as; "
        "create one with `stretch createuser NAME --admin`\n"
    )
    assert not Objective.objects.exists()


def test_the_very_first_org_import_runs_on_an_empty_installation(db, tmp_path, capsys):
    from django.contrib.auth import get_user_model

    path = tmp_path / "org.csv"
    path.write_text("type,team,parent_team,email,name\nteam,Acme,,,\nperson,,,ana@a.test,Ana\n")
    assert main(["import-org", str(path)]) == 0
    assert "1 teams created, 0 teams updated, 1 people created" in capsys.readouterr().out
    assert Team.objects.get().name == "Acme"
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["ana@a.test"]
    # once people exist, an administrator is needed
    assert main(["import-org", str(path)]) == 1
    assert "no administrator to import as" in capsys.readouterr().err
