"""Downloads from the pages: a cycle's OKRs (CSV, XLSX) and check-ins, and a list page's
current filter as CSV.

A list's CSV reads the same query string as its page and calls the page's own function for
its rows (`explore.matching_all`, `org.views.people_found`, `kpis.views.board_kpis`), so the
file holds exactly what the page lists, every page of it, under the same permission rules.
"""

from typing import Any

from django.utils.translation import gettext as _

from stretch import access
from stretch.kpis import views as kpi_views
from stretch.okrs import explore
from stretch.org import views as org_views
from stretch.org.models import display_name
from stretch.transfer import okr_export


def cycle_okrs_csv(request, cycle_id: int):
    return okr_export.okrs_response(request.user, access.get_cycle(cycle_id), "csv")


def cycle_okrs_xlsx(request, cycle_id: int):
    return okr_export.okrs_response(request.user, access.get_cycle(cycle_id), "xlsx")


def cycle_check_ins_csv(request, cycle_id: int):
    return okr_export.check_ins_response(request.user, access.get_cycle(cycle_id))


# A list page's current filter ------------------------------------------------------------------


def explore_csv(request):
    """Explore's objectives under its filters, in the shared OKR format (one row per key
    result), so the file may be edited and imported back."""
    filters = explore.read_filters(request)
    objectives = explore.matching_all(request.user, filters)
    slug = okr_export.filename(filters.cycle, "explore", "csv") if filters.cycle else ""
    return okr_export.csv_response(
        slug or "stretch-explore.csv",
        okr_export.OKR_COLUMNS,
        okr_export.okr_rows(request.user, objectives),
    )


PEOPLE_COLUMNS = [
    "name",
    "username",
    "title",
    "teams",
    "manager",
    "cycle",
    "objectives",
    "progress",
    "expected_progress",
    "health",
]


def people_csv(request):
    """The people page's list (its search, team and cycle) with each person's objectives
    in the cycle as the page sums them up."""
    found = org_views.people_found(request)

    def rows():
        cycle_name = found.cycle.name if found.cycle else None
        for person, summary in found.rows():
            teams = [
                m.team.name + (f" ({_('lead')})" if m.role == "lead" else "")
                for m in person.memberships.all()
            ]
            manager = person.profile.manager if hasattr(person, "profile") else None
            yield [
                display_name(person),
                person.get_username(),
                person.profile.title if hasattr(person, "profile") else "",
                ", ".join(teams),
                display_name(manager) if manager is not None else None,
                cycle_name,
                summary.count,
                okr_export.share(summary.progress) if summary.count else None,
                okr_export.share(summary.expected),
                summary.health if summary.count else None,
            ]

    name = okr_export.filename(found.cycle, "people", "csv") if found.cycle else ""
    return okr_export.csv_response(name or "stretch-people.csv", PEOPLE_COLUMNS, rows())


KPI_COLUMNS = [
    "kpi_id",
    "kpi",
    "team",
    "owner",
    "latest",
    "unit",
    "measured_on",
    "health",
    "band",
    "cadence",
    "stale",
    "trend",
    "recovering",
]


def _kpi_rows(kpis) -> Any:
    for kpi in kpis:
        yield [
            kpi.pk,
            kpi.name,
            kpi.team.name,
            display_name(kpi.owner) if kpi.owner else None,
            kpi.latest_value,
            kpi.unit,
            kpi.latest_date.isoformat() if kpi.latest_date else None,
            kpi.health or "none",
            kpi_views.band_words(kpi),
            kpi.cadence,
            kpi.stale,
            kpi.trend_direction if len(kpi.trend) > 1 else None,
            kpi.recovering,
        ]


def kpis_csv(request, team_id: int | None = None):
    """A KPI board (the company's, or a team's) under its health and team filters, in the
    board's order."""
    team = access.get_team(team_id) if team_id is not None else None
    shown_team, health = kpi_views.board_filters(request, team)
    kpis, _counts = kpi_views.board_kpis(request.user, shown_team, health)
    name = "stretch-kpis.csv"
    if shown_team is not None:
        name = f"stretch-kpis-team-{shown_team.pk}.csv"
    return okr_export.csv_response(name, KPI_COLUMNS, _kpi_rows(kpis))
