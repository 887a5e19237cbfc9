"""The OKR coach: writing checks on a draft objective and its key results.

Each check is a rule of the method applied to the words and numbers as written, with no I/O:
the same input always gives the same findings. Checks advise and never block; each says why
it matters, with a weak and a strong example, in the reader's language.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

MIN_KEY_RESULTS, MAX_KEY_RESULTS = 2, 5
MAX_OBJECTIVES_PER_OWNER = 5
LOPSIDED_WEIGHTS = 4  # the heaviest key result weighs more than this many times the lightest
LOW_CONFIDENCE = 5  # a committed objective's key result at or below this is a doubt

WARNING, ADVICE = "warning", "advice"

# Verbs that describe work to do rather than a result to reach, at the start of a key result.
# Chinese has no spaces between words, so its verbs need no word boundary after them.
TASK_VERBS = re.compile(
    r"^\s*((do|write|implement|build|create|hold|attend|organi[sz]e|help|support|work on|try"
    r"|prepare|review|research|investigate|plan)\b|(完成|编写|实现|开展|组织|参加|协助|支持|推进"
    r"|准备|调研|研究|计划))",
    re.IGNORECASE,
)
DIGIT = re.compile(r"\d")
WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Check:
    """One rule of good OKR writing: what it is called, how strongly it speaks, and why."""

    name: str
    level: str
    message: object  # a lazy translation, formatted with the finding's values
    why: object
    weak: object
    strong: object


@dataclass
class Draft:
    """What the coach reads: the objective and its key results as written so far."""

    title: str = ""
    kind: str = "committed"
    has_parent: bool = False
    standalone_reason: str = ""
    is_company_objective: bool = False
    objectives_of_owner: int = 0  # other objectives the owner has in the cycle
    key_results: list[dict] = field(default_factory=list)


CHECKS = {
    check.name: check
    for check in [
        Check(
            "kr_no_number",
            WARNING,
            _("“%(title)s” has no number to reach."),
            _("A key result is measured, so that everyone can tell whether it was reached."),
            _("Improve the onboarding"),
            _("New teams reach their first check-in within 7 days (from 21)"),
        ),
        Check(
            "kr_no_date",
            ADVICE,
            _("The milestone “%(title)s” names no date or steps."),
            _("A milestone without a date or steps shows progress only at the very end."),
            _("Launch the partner portal"),
            _("Partner portal live for 10 pilot partners by 15 November"),
        ),
        Check(
            "kr_is_task",
            ADVICE,
            _("“%(title)s” reads like a task, not a result."),
            _("Key results say what will be true when the work succeeds, not the work itself."),
            _("Write the migration guide"),
            _("Four in five customers migrate without opening a support ticket"),
        ),
        Check(
            "target_equals_start",
            WARNING,
            _("The target of “%(title)s” equals its start."),
            _("A key result that starts at its target asks for nothing to change."),
            _("Uptime from 99.9% to 99.9%"),
            _("Uptime from 99.5% to 99.9%, or a range kept between 99.9% and 100%"),
        ),
        Check(
            "too_few_key_results",
            ADVICE,
            _("%(count)s key result; two to five are usual."),
            _("One key result is easily met in a way that misses the objective's point."),
            _("Grow revenue: one key result on revenue"),
            _("Grow revenue: revenue, new customers, and churn kept below 3%"),
        ),
        Check(
            "too_many_key_results",
            ADVICE,
            _("%(count)s key results; two to five are usual."),
            _("With more than five key results, focus is lost and none gets enough attention."),
            _("Eight key results covering every part of the team's work"),
            _("Three key results on what matters most this cycle"),
        ),
        Check(
            "too_many_objectives",
            ADVICE,
            _("The owner already has %(count)s objectives in this cycle."),
            _("More than five objectives per owner means nothing is really a priority."),
            _("Seven objectives for one person in a quarter"),
            _("Two or three objectives that the person can truly move"),
        ),
        Check(
            "objective_is_number",
            ADVICE,
            _("The objective “%(title)s” is mostly a number."),
            _(
                "The objective says what to achieve and why it matters; numbers go in the key results."
            ),
            _("Revenue 10M"),
            _("Become the tool every warehouse team relies on"),
        ),
        Check(
            "not_aligned",
            ADVICE,
            _("The objective is aligned to nothing and does not say why it stands alone."),
            _(
                "Alignment shows how the work serves the company's goals; a standalone objective should say why it is one."
            ),
            _("A team objective with no parent and no explanation"),
            _("Aligned to the company objective it serves, or with a reason to stand alone"),
        ),
        Check(
            "lopsided_weights",
            ADVICE,
            _("The heaviest key result weighs %(ratio)s times the lightest."),
            _("When one key result outweighs the others this much, the others hardly count."),
            _("Weights 10, 1 and 1"),
            _("Weights 2, 1 and 1, or equal weights"),
        ),
        Check(
            "committed_low_confidence",
            WARNING,
            _("A committed objective, yet confidence in “%(title)s” is %(confidence)s/10."),
            _(
                "Committed objectives are expected to be reached in full; low confidence means it is aspirational or needs help now."
            ),
            _("Committed, with confidence 3/10 in its main key result"),
            _("Marked aspirational, or with the help it needs agreed now"),
        ),
    ]
}


@dataclass(frozen=True)
class Finding:
    check: str
    level: str
    message: str
    why: str
    weak_example: str
    strong_example: str


def _finding(name: str, **values) -> Finding:
    check = CHECKS[name]
    return Finding(
        check=name,
        level=check.level,
        message=str(check.message) % values,
        why=str(check.why),
        weak_example=str(check.weak),
        strong_example=str(check.strong),
    )


def _is_mostly_number(title: str) -> bool:
    """A title with a number and at most two words besides it: "Revenue 10M", "NPS 50"."""
    if not DIGIT.search(title):
        return False
    words = WORD.findall(DIGIT.sub(" ", title))
    letters = sum(len(w) for w in words)
    return len(words) <= 2 and letters <= 12


def check(draft: Draft) -> list[Finding]:
    """Every finding on the draft, objective first, then each key result in order."""
    findings: list[Finding] = []
    title = draft.title.strip()
    if title and _is_mostly_number(title):
        findings.append(_finding("objective_is_number", title=title))
    if not draft.has_parent and not draft.is_company_objective and not draft.standalone_reason:
        findings.append(_finding("not_aligned"))
    if draft.objectives_of_owner >= MAX_OBJECTIVES_PER_OWNER:
        findings.append(_finding("too_many_objectives", count=draft.objectives_of_owner))
    krs = [kr for kr in draft.key_results if str(kr.get("title") or "").strip()]
    if len(krs) < MIN_KEY_RESULTS:
        findings.append(_finding("too_few_key_results", count=len(krs)))
    if len(krs) > MAX_KEY_RESULTS:
        findings.append(_finding("too_many_key_results", count=len(krs)))
    weights = [_number(kr.get("weight")) for kr in krs]
    positive = [1.0 if w is None else w for w in weights if w is None or w > 0]
    if len(positive) >= 2 and max(positive) > LOPSIDED_WEIGHTS * min(positive):
        ratio = round(max(positive) / min(positive), 1)
        findings.append(_finding("lopsided_weights", ratio=f"{ratio:g}"))
    for kr in krs:
        findings.extend(_key_result_findings(kr, draft.kind))
    return findings


def _number(value, default: float | None = None) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _key_result_findings(kr: dict, kind: str) -> Sequence[Finding]:
    title = str(kr.get("title")).strip()
    found = []
    milestone = kr.get("kind") == "milestone"
    has_number = bool(DIGIT.search(title))
    if milestone:
        if not has_number and not kr.get("steps"):
            found.append(_finding("kr_no_date", title=title))
    elif kr.get("direction") != "range":
        target = _number(kr.get("target"))
        if target is None:
            found.append(_finding("kr_no_number", title=title))
        elif target == _number(kr.get("start"), 0.0):
            found.append(_finding("target_equals_start", title=title))
    if TASK_VERBS.match(title) and not has_number:
        found.append(_finding("kr_is_task", title=title))
    confidence = _number(kr.get("confidence"))
    if kind == "committed" and confidence is not None and confidence <= LOW_CONFIDENCE:
        found.append(
            _finding("committed_low_confidence", title=title, confidence=f"{confidence:g}")
        )
    return found
