"""The key result page: its progress, check-in history and progress chart."""

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from stretch import access
from stretch.okrs import charts, grading, initiative_views, phases, rollup
from stretch.okrs.formatting import number
from stretch.okrs.forms import CheckInForm
from stretch.okrs.models import KeyResult
from stretch.social import comments

HISTORY_PER_PAGE = 20


@dataclass(frozen=True)
class ChartEntry:
    """A check-in as the chart shows it: its place on the chart and what its tooltip says."""

    dot: charts.Dot
    when: datetime
    value: float
    text: str  # the value, as people read it
    confidence: int | None
    author: str
    done_steps: int


def key_result_detail(request, key_result_id: int):
    return render_key_result(request, key_result_id)


def card_context(user, kr: KeyResult, history: list, form=None) -> dict:
    """What a key result's card (objective.html#kr-card) needs: its check-in form while
    check-ins are open, or again with its errors after a refused one, and whether `user`
    may grade it."""
    may_check_in = access.can_check_in(user, kr)
    return {
        "kr": kr,
        "history": history,
        "can_check_in": may_check_in and (form is not None or phases.check_ins_open(kr.objective)),
        "can_grade": may_check_in,
        "form": form or CheckInForm(initial={"confidence": kr.confidence or 5}),
    }


def render_key_result(
    request, key_result_id: int, form: CheckInForm | None = None, status: int = 200
):
    """The page; `form` is a bound check-in form to show with its errors."""
    found = access.get_key_result_for_user(request.user, key_result_id)
    kr = (
        rollup.key_results_query()
        .select_related("objective__cycle", "owner__profile")
        .prefetch_related("steps")
        .get(pk=found.pk)
    )
    cycle = kr.objective.cycle
    rollup.annotate_key_result(kr, rollup.expected_for(cycle), cycle)
    entries, chart = _chart(kr)
    history = Paginator(kr.check_ins.select_related("author__profile"), HISTORY_PER_PAGE)
    history.count = len(entries)  # the chart has read them all: no need to count again
    page = history.get_page(request.GET.get("page"))
    for check_in in page:
        check_in.text = number(check_in.value)
    context = {
        "kr": kr,
        "objective": kr.objective,
        "cycle": cycle,
        "chart": chart,
        "entries": entries,
        "in_range": sum(1 for entry in entries if entry.dot.progress >= 1),
        "page": page,
        "numbers": {
            "start_with_unit": _with_unit(kr.start, kr.unit),
            "target_with_unit": _with_unit(kr.target, kr.unit),
            "range": _with_unit(kr.range_low, kr.unit, upper=kr.range_high),
            "latest": _with_unit(entries[-1].value, kr.unit) if entries else "",
        },
        # The check-in card of the objective page: its form, progress bar and status pill.
        **card_context(request.user, kr, [], form),
        "on_key_result_page": True,  # so a check-in from its form can come back here
        "initiatives": initiative_views.key_result_panel(request.user, kr),
        "score_steps": grading.SCORE_STEPS,
        **comments.key_result_context(request.user, kr),
    }
    template = "okrs/key_result.html"
    if (
        request.htmx
        and request.htmx.target == "history"
        and not request.htmx.history_restore_request
    ):
        template += "#history"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _chart(kr: KeyResult) -> tuple[list[ChartEntry], charts.Chart]:
    """Every check-in of the key result, oldest first, placed on its chart.

    Reads only the columns the chart and its tooltips need: a key result gathers at most a
    few hundred check-ins in a cycle.
    """
    rows = list(
        kr.check_ins.order_by("created_at", "id").values_list(
            "created_at",
            "value",
            "confidence",
            "done_steps",
            "author__username",
            "author__profile__display_name",
        )
    )
    cycle = kr.objective.cycle
    steps = [(step.pk, step.weight) for step in kr.steps.all()]
    chart = charts.build(
        cycle_start=cycle.start,
        cycle_end=cycle.end,
        today=_wall_clock(timezone.now()),
        shape=charts.Shape(
            kind=kr.kind,
            direction=kr.direction,
            start=kr.start,
            target=kr.target,
            range_low=kr.range_low,
            range_high=kr.range_high,
            steps=steps,
        ),
        check_ins=[
            charts.Reading(_wall_clock(at), value, done_steps or ())
            for at, value, _c, done_steps, _u, _n in rows
        ],
    )
    entries = []
    for dot in chart.dots:
        at, value, confidence, done_steps, username, name = rows[dot.index]
        entries.append(
            ChartEntry(
                dot=dot,
                when=at,
                value=value,
                text=number(value),
                confidence=confidence,
                author=name or username or "",
                done_steps=len(done_steps or ()),
            )
        )
    return entries, chart


def _with_unit(value: float | None, unit: str, upper: float | None = None) -> str:
    """A value with its unit ("450 ms", "32"); with `upper`, a span between the two."""
    text = number(value) if upper is None else f"{number(value)}–{number(upper)}"
    return f"{text} {unit}" if unit else text


def _wall_clock(moment: datetime) -> datetime:
    """The local time of an aware datetime, as the chart places it along the cycle's days."""
    return timezone.localtime(moment).replace(tzinfo=None)
