"""The key result page: its progress, check-in history and progress chart."""

from django.http import Http404


def key_result_detail(request, key_result_id: int):
    raise Http404
