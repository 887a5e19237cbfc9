"""Every string a user reads exists in Simplified Chinese too.

The test extracts the strings of the code and templates as they are now (Django's
makemessages, on a copy of the package), merges them into the committed catalogue, and
fails on any string without a translation, so a new string cannot ship in English only.
It also checks that the compiled catalogue Django loads matches its source.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

PACKAGE = Path(__file__).resolve().parent.parent / "stretch"
CATALOGUE = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES"


@pytest.fixture
def gettext_tools():
    if shutil.which("xgettext") and shutil.which("msgattrib") and shutil.which("msgfmt"):
        return
    hint = "GNU gettext is missing: `apt-get install -y gettext` to check the translations"
    if os.environ.get("CI") == "true":
        pytest.fail(hint)
    pytest.skip(hint)


def test_every_string_of_the_code_and_templates_has_a_chinese_translation(
    gettext_tools, tmp_path, monkeypatch
):
    copy = tmp_path / "stretch"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("static", "__pycache__"))
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["zh_Hans"], no_obsolete=True, verbosity=0)
    merged = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    missing = subprocess.run(
        ["msgattrib", "--untranslated", "--no-wrap", str(merged)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fuzzy = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-wrap", str(merged)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    untranslated = [line for line in missing.splitlines() if line.startswith("msgid ")][1:]
    assert not untranslated, "untranslated (run ./dev messages):\n" + "\n".join(untranslated)
    unsure = [line for line in fuzzy.splitlines() if line.startswith("msgid ")][1:]
    assert not unsure, "fuzzy translations to check:\n" + "\n".join(unsure)


def test_the_compiled_catalogue_matches_its_source(gettext_tools, tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(compiled), str(CATALOGUE / "django.po")],
        check=True,
    )
    assert compiled.read_bytes() == (CATALOGUE / "django.mo").read_bytes(), (
        "django.mo is out of date: run ./dev messages"
    )
