from django import template
from django.utils.translation import gettext as _

from stretch.okrs.formatting import number
from stretch.org.models import display_name

register = template.Library()


@register.filter
def percent(value) -> int:
    """0.734 -> 73, for bars and labels."""
    try:
        return round(float(value) * 100)
    except (TypeError, ValueError):
        return 0


@register.filter
def owner_name(objective) -> str:
    if objective.owner_person_id is not None:
        return display_name(objective.owner_person)
    return objective.owner_team.name


@register.filter
def kr_value(kr) -> str:
    """Where a key result stands, in words: "42 of 100 users (from 0)", "done"."""
    unit = f" {kr.unit}" if kr.unit else ""
    if kr.kind == "milestone":
        steps = list(kr.steps.all())
        if steps:
            done = sum(1 for s in steps if s.done)
            return _("%(done)s of %(total)s steps done") % {"done": done, "total": len(steps)}
        return _("done") if kr.current is not None and kr.current >= 1 else _("not done yet")
    if kr.direction == "range":
        return _("%(current)s, keep within %(low)s–%(high)s%(unit)s") % {
            "current": number(kr.current),
            "low": number(kr.range_low),
            "high": number(kr.range_high),
            "unit": unit,
        }
    return _("%(current)s of %(target)s%(unit)s (from %(start)s)") % {
        "current": number(kr.current),
        "target": number(kr.target),
        "unit": unit,
        "start": number(kr.start),
    }


@register.filter
def marker_x(value) -> float:
    """Left edge of the 1-unit-wide pace marker, kept inside the 0-100 bar."""
    return min(99.0, max(0.0, percent(value) - 0.5))


@register.filter
def grade_colour(score) -> str:
    """green (0.7 and above), yellow (0.4-0.6) or red (below 0.4), for a score's pill."""
    from stretch.okrs.progress import grade_colour as colour

    return "" if score is None else colour(float(score))


@register.filter
def suggested_score(kr) -> float:
    """The score suggested for a key result from its progress (a milestone: 0 or 1)."""
    from stretch.okrs.grading import suggested_key_result_score

    return suggested_key_result_score(kr)


@register.filter
def tenth(value) -> str:
    """A score as shown everywhere: 0.7, 1.0."""
    return "" if value is None else f"{float(value):.1f}"
