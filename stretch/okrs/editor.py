"""Write OKRs: create and edit an objective with its key results on one page."""

from django.http import Http404


def new_objective(request):
    raise Http404


def edit_objective(request, objective_id: int):
    raise Http404


def parent_options(request):
    raise Http404
