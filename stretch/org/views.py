"""Pages of the organisation: company, teams, people, and the first-run set-up."""

from django.http import Http404


def company(request):
    raise Http404


def team(request, team_id: int):
    raise Http404


def people(request):
    raise Http404


def person(request, person_id: int):
    raise Http404
