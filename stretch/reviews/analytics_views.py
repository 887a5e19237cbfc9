"""The analytics page (`/analytics/`) and its CSV exports (`/analytics/export.csv`).

Both read `?cycle=` (else the running cycle, as the other pages) and `?team=` (a team and
every team below it; none or an unknown one: the whole company), and only call
`stretch.reviews.analytics`; the charts are geometry from `analytics_charts`.
"""

import csv
from collections.abc import Callable, Iterable
from typing import Any

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from stretch.okrs import progress as math
from stretch.okrs.models import Cycle
from stretch.okrs.views import pick_cycle
from stretch.org.models import Team
from stretch.params import as_int
from stretch.reviews import analytics
from stretch.reviews import analytics_charts as charts

COLOURS = {math.GREEN: "green", math.YELLOW: "yellow", math.RED: "red"}


def _scope(request) -> analytics.Scope | None:
    cycle = pick_cycle(request)
    if cycle is None:
        return None
    team_id = as_int(request.GET.get("team"))
    team = Team.objects.filter(pk=team_id).first() if team_id is not None else None
    return analytics.Scope(request.user, cycle, team)


def _charts(summary: analytics.Summary) -> dict[str, Any]:
    progress, scores = summary.progress, summary.scores
    return {
        "progress_objectives": charts.histogram(
            [(b.label, b.count, "") for b in progress.objectives]
        ),
        "progress_key_results": charts.histogram(
            [(b.label, b.count, "") for b in progress.key_results]
        ),
        "scores_objectives": charts.histogram(
            [(b.label, b.count, COLOURS[b.colour]) for b in scores.objectives]
        ),
        "scores_key_results": charts.histogram(
            [(b.label, b.count, COLOURS[b.colour]) for b in scores.key_results]
        ),
        "compliance": charts.horizontal_bars([(t.team, t.share) for t in summary.compliance.teams]),
        "confidence": charts.line([(w.week, w.confidence) for w in summary.confidence]),
        "outcomes": charts.horizontal_bars(
            [
                (f"{o.label} · {what}", value)
                for o in summary.outcomes
                for what, value in (
                    (_("mean progress"), o.mean_progress),
                    (_("scored 0.7 or more"), o.share_success),
                    (_("scored 1.0"), o.share_perfect),
                )
            ]
        ),
    }


def analytics_page(request):
    scope = _scope(request)
    context: dict[str, Any] = {"cycles": Cycle.objects.all(), "cycle": None}
    if scope is not None:
        summary = analytics.summary(scope)
        query = {"cycle": scope.cycle.pk}
        if scope.team is not None:
            query["team"] = scope.team.pk
        context.update(
            cycle=scope.cycle,
            team=scope.team,
            teams=[(node.id, "\u2014 " * node.depth + node.name) for node in scope.teams],
            summary=summary,
            charts=_charts(summary),
            query=urlencode(query),
            has_confidence=any(w.check_ins for w in summary.confidence),
        )
    return render(request, "reviews/analytics.html", context)


# CSV ------------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    """A value for a spreadsheet: text that a spreadsheet would run as a formula (it
    starts with =, +, - or @) is quoted; a share becomes a percentage with one decimal."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _pct(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.1f}"


def _num(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _progress_rows(scope: analytics.Scope) -> Iterable[list[Any]]:
    found = analytics.progress_distribution(scope)
    yield [_("Level"), _("Progress"), _("Count")]
    for level, buckets in (
        (_("objective"), found.objectives),
        (_("key result"), found.key_results),
    ):
        for b in buckets:
            yield [level, b.label, b.count]


def _score_rows(scope: analytics.Scope) -> Iterable[list[Any]]:
    found = analytics.score_distribution(scope)
    yield [_("Level"), _("Score"), _("Colour"), _("Count")]
    for level, bins in ((_("objective"), found.objectives), (_("key result"), found.key_results)):
        for b in bins:
            yield [level, b.label, b.colour, b.count]


def _compliance_rows(scope: analytics.Scope) -> Iterable[list[Any]]:
    found = analytics.compliance(scope)
    yield [_("Team"), _("Key results"), _("On time"), _("Stale"), _("On time (%)")]
    for t in [*found.teams, found.total]:
        yield [t.team, t.key_results, t.on_time, t.stale, _pct(t.share)]


def _confidence_rows(scope: analytics.Scope) -> Iterable[list[Any]]:
    yield [_("Week of"), _("Mean confidence"), _("Check-ins")]
    for w in analytics.confidence_trend(scope):
        yield [w.week.isoformat(), _num(w.confidence), w.check_ins]


def _risk_header() -> list[Any]:
    return [
        _("Key result"),
        _("Objective"),
        _("Owner"),
        _("Status"),
        _("Progress (%)"),
        _("Expected (%)"),
        _("Confidence"),
        _("Last check-in"),
        _("Stale"),
    ]


def _risk_row(item: analytics.RiskItem) -> list[Any]:
    return [
        item.key_result,
        item.objective,
        item.owner,
        item.status,
        _pct(item.progress),
        _pct(item.expected),
        item.confidence if item.confidence is not None else "",
        item.last_check_in.isoformat() if item.last_check_in else "",
        _("yes") if item.stale else _("no"),
    ]


def _risk_rows(
    listing: Callable[..., analytics.RiskList],
) -> Callable[[analytics.Scope], Iterable[list[Any]]]:
    """The rows of a whole list of key results (`analytics.at_risk` or `analytics.stale`)."""

    def rows(scope: analytics.Scope) -> Iterable[list[Any]]:
        yield _risk_header()
        for item in listing(scope, limit=None).items:
            yield _risk_row(item)

    return rows


def _outcome_rows(scope: analytics.Scope) -> Iterable[list[Any]]:
    yield [
        _("Kind"),
        _("Objectives"),
        _("Mean progress (%)"),
        _("Graded"),
        _("Mean score"),
        _("Scored 0.7 or more (%)"),
        _("Scored 1.0 (%)"),
    ]
    for o in analytics.outcomes(scope):
        yield [
            o.kind,
            o.objectives,
            _pct(o.mean_progress),
            o.graded,
            _num(o.mean_score),
            _pct(o.share_success),
            _pct(o.share_perfect),
        ]


SECTIONS: dict[str, Callable[[analytics.Scope], Iterable[list[Any]]]] = {
    "progress": _progress_rows,
    "scores": _score_rows,
    "compliance": _compliance_rows,
    "confidence": _confidence_rows,
    "risks": _risk_rows(analytics.at_risk),
    "stale": _risk_rows(analytics.stale),
    "outcomes": _outcome_rows,
}


def analytics_export(request):
    section = request.GET.get("section", "")
    if section not in SECTIONS:
        return HttpResponseBadRequest(
            _("section: choose one of %(sections)s.") % {"sections": ", ".join(SECTIONS)},
            content_type="text/plain; charset=utf-8",
        )
    scope = _scope(request)
    if scope is None:
        raise Http404(_("There is no cycle yet."))
    name = f"analytics-{section}-cycle-{scope.cycle.pk}"
    if scope.team is not None:
        name += f"-team-{scope.team.pk}"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    for row in SECTIONS[section](scope):
        writer.writerow([_cell(value) for value in row])
    return response
