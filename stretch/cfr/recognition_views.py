"""Recognition pages (being written): the walls, one recognition, giving, company values."""

from django.http import Http404


def _not_yet(request, **kwargs):
    raise Http404


wall = give = detail = react = delete = team_wall = values = value = _not_yet
