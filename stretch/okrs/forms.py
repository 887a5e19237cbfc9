import dataclasses
from dataclasses import dataclass
from functools import cached_property

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stretch import access
from stretch.kpis.models import Kpi
from stretch.okrs import agreement
from stretch.okrs.models import Cycle, KeyResult, Objective
from stretch.org.models import StrategyPillar, Team, display_name


class CheckInForm(forms.Form):
    value = forms.FloatField(label=_("New value"), required=False)
    done = forms.BooleanField(label=_("Done"), required=False)
    confidence = forms.IntegerField(label=_("Confidence (1-10)"), min_value=1, max_value=10)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def add_service_errors(
    form: forms.Form, error: ValidationError, aliases: dict[str, str] | None = None
) -> None:
    """Show a service's ValidationError on the form's own fields, the rest above the form.

    `aliases` maps a service's field name to the form's, e.g. owner_team -> owner.
    """
    messages = getattr(error, "message_dict", {NON_FIELD_ERRORS: error.messages})
    for field, texts in messages.items():
        field = (aliases or {}).get(field, field)
        target = field if field in form.fields else None
        for text in texts:
            form.add_error(target, text)


# Write OKRs: one objective and its key results on one page ----------------------------------

MAX_KEY_RESULTS = 30
KEY_RESULT_PREFIX = "kr"
KPIS_OFFERED = 500  # the "follows a KPI" select stays a select, however many KPIs there are


class ObjectiveForm(forms.Form):
    """What an objective says; the selects offer choices the view loaded once per request."""

    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    strategy = forms.CharField(
        label=_("Strategy"),
        required=False,
        help_text=_("How you mean to get there: the main bets and what you will not do."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    cycle = forms.TypedChoiceField(label=_("Cycle"), coerce=int)
    owner = forms.ChoiceField(label=_("Owner"))
    parent = forms.IntegerField(label=_("Aligned to"), required=False)
    pillar = forms.TypedChoiceField(
        label=_("Strategy pillar"), coerce=int, required=False, empty_value=None
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Objective.Kind.choices,
        widget=forms.RadioSelect,
        help_text=_("Committed: expected to reach 1.0. Aspirational: about 0.7 is success."),
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=Objective.Visibility.choices,
        widget=forms.RadioSelect,
        help_text=_("Private: the owner, the owning team, its leads, managers and admins."),
    )
    status = forms.ChoiceField(label=_("Status"))
    reason = forms.CharField(
        label=_("Why this change"),
        required=False,
        max_length=2000,
        help_text=_(
            "Needed once the cycle is under way when a key result's start, target or weight "
            "changes, or when the objective is stopped. It is kept in the history."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, cycles, owners, pillars, statuses, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = cycles
        self.fields["owner"].choices = owners
        self.fields["pillar"].choices = [("", _("None")), *pillars]
        self.fields["status"].choices = statuses


def parse_steps(text: str) -> list[dict]:
    """One step per line; "Title | 2" gives the step weight 2 (the default is 1)."""
    steps = []
    for line in text.splitlines():
        if not line.strip():
            continue
        title, bar, weight = line.rpartition("|")
        if not bar:
            steps.append({"title": line.strip(), "weight": 1.0})
            continue
        try:
            steps.append({"title": title.strip(), "weight": float(weight.replace(",", "."))})
        except ValueError:
            raise ValidationError(
                _("Write a step's weight as a number after “|”, as in “Pilot done | 2”.")
            ) from None
    return steps


def format_steps(steps) -> str:
    return "\n".join(
        step.title if step.weight == 1 else f"{step.title} | {step.weight:g}" for step in steps
    )


class KeyResultForm(forms.Form):
    """One key result row; `id` and `version` name the stored key result it edits."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=KeyResult.Kind.choices, initial=KeyResult.Kind.METRIC
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=KeyResult.Direction.choices,
        initial=KeyResult.Direction.INCREASE,
    )
    start = forms.FloatField(label=_("Start"), required=False, initial=0)
    target = forms.FloatField(label=_("Target"), required=False)
    range_low = forms.FloatField(label=_("Range low"), required=False)
    range_high = forms.FloatField(label=_("Range high"), required=False)
    unit = forms.CharField(label=_("Unit"), max_length=30, required=False)
    weight = forms.FloatField(label=_("Weight"), initial=1)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, empty_value=None)
    kpi = forms.TypedChoiceField(
        label=_("Follows a KPI"), coerce=int, required=False, empty_value=None
    )
    kpi_factor = forms.FloatField(
        label=_("KPI conversion"),
        required=False,
        help_text=_("Key result value = KPI value × this; needed when the units differ."),
    )
    steps = forms.CharField(
        label=_("Steps"),
        required=False,
        help_text=_("One step per line; add “| 2” to give a step weight 2."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, owner_choices=(), kpi_choices=(), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("Objective owner")), *owner_choices]
        self.fields["kpi"].choices = [("", _("None")), *kpi_choices]
        for name in ("start", "target", "range_low", "range_high", "weight", "kpi_factor"):
            self.fields[name].widget.attrs["step"] = "any"

    def has_changed(self) -> bool:
        """A blank row stays blank when only its position or removal box was touched."""
        return any(name not in ("ORDER", "DELETE") for name in self.changed_data)

    def clean_steps(self) -> list[dict]:
        return parse_steps(self.cleaned_data["steps"])

    def clean(self):
        data = super().clean()
        metric = data.get("kind") == KeyResult.Kind.METRIC
        if metric and data.get("direction") != KeyResult.Direction.RANGE:
            if data.get("target") is None and "target" not in self.errors:
                self.add_error("target", _("A metric key result needs a target."))
            if data.get("start") is None and "start" not in self.errors:
                data["start"] = 0.0
        return data


class BaseKeyResultFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["ORDER"].label = _("Position")
        form.fields["ORDER"].widget.attrs["min"] = 1
        form.fields["DELETE"].label = _("Remove")


KeyResultFormSet = forms.formset_factory(
    KeyResultForm,
    formset=BaseKeyResultFormSet,
    extra=1,
    can_order=True,
    can_delete=True,
    max_num=MAX_KEY_RESULTS,
    absolute_max=MAX_KEY_RESULTS,
    validate_max=True,
)


# What the editor's selects offer and what they start with ---------------------------------------


@dataclass
class EditorOptions:
    """What the page's selects offer, loaded once per request in a fixed number of queries."""

    cycles: dict[int, Cycle]
    owners: dict[str, object]  # "person:3" or "team:5" -> that person or team
    owner_labels: list[tuple[str, str]]
    pillars: dict[int, StrategyPillar]
    people: dict[int, object]  # who may be given a key result, by id
    statuses: list[tuple[str, str]]
    kpis: list[tuple[int, str]] = dataclasses.field(
        default_factory=list
    )  # what a key result may follow

    @cached_property
    def needs_agreement(self) -> bool:
        """The company's setting (a draft is agreed, then published), read when first asked."""
        return agreement.workflow_on()

    def forms(self, data=None, *, initial=None, rows=None, extra=1):
        """The objective form and the key result formset, bound to `data` if given."""
        form = ObjectiveForm(
            data,
            initial=initial,
            cycles=[(pk, cycle.name) for pk, cycle in self.cycles.items()],
            owners=self.owner_labels,
            pillars=[(pk, pillar.name) for pk, pillar in self.pillars.items()],
            statuses=self.statuses,
        )
        people = sorted(((pk, display_name(p)) for pk, p in self.people.items()), key=_by_name)
        formset = KeyResultFormSet(
            data,
            initial=rows,
            prefix=KEY_RESULT_PREFIX,
            form_kwargs={"owner_choices": people, "kpi_choices": self.kpis},
        )
        formset.extra = extra
        return form, formset


def _by_name(choice: tuple[int, str]) -> str:
    return choice[1].casefold()


def load_options(user, objective: Objective | None, key_results: list[KeyResult]) -> EditorOptions:
    reach = access.reach(user)
    owners: dict[str, object] = {f"person:{user.pk}": user}
    labels = [(f"person:{user.pk}", _("Me (%(name)s)") % {"name": display_name(user)})]
    owner_id = objective.owner_person_id if objective else None
    if owner_id is not None and owner_id != user.pk:  # an administrator editing someone's
        owners[f"person:{owner_id}"] = objective.owner_person  # type: ignore[union-attr]
        labels.append((f"person:{owner_id}", display_name(owners[f"person:{owner_id}"])))
    teams = access.teams_user_may_own_for(user)
    if objective is not None and objective.owner_team_id:  # kept, even by someone not leading it
        teams = teams | Team.objects.filter(pk=objective.owner_team_id)
    for team in teams:
        owners[f"team:{team.pk}"] = team
        labels.append((f"team:{team.pk}", team.name))
    # Key result owners: the people around the objective, and whoever owns one already.
    teams_around = set(reach.member_teams | reach.overseen_teams)
    if objective is not None and objective.owner_team_id:
        teams_around.add(objective.owner_team_id)
    named = ({user.pk, owner_id} | {kr.owner_id for kr in key_results}) - {None}
    people = (
        get_user_model()
        .objects.filter(
            Q(pk__in=named)
            | Q(is_active=True, memberships__team_id__in=teams_around)
            | Q(is_active=True, memberships__team__memberships__person_id__in=named)
        )
        .select_related("profile")
        .distinct()
    )
    statuses = [(s.value, s.label) for s in (Objective.Status.DRAFT, Objective.Status.ACTIVE)]
    if objective is not None:
        statuses.append((Objective.Status.STOPPED.value, Objective.Status.STOPPED.label))
    if objective is not None and objective.status == Objective.Status.CLOSED:
        statuses.append((Objective.Status.CLOSED.value, Objective.Status.CLOSED.label))
    followed = {kr.kpi_id for kr in key_results} - {None}
    kpis = (
        Kpi.objects.filter(Q(archived=False) | Q(pk__in=followed))
        .select_related("team")
        .order_by("team__name", "name", "id")[:KPIS_OFFERED]
    )
    return EditorOptions(
        kpis=[(kpi.pk, _kpi_label(kpi)) for kpi in kpis],
        cycles={cycle.pk: cycle for cycle in Cycle.objects.all()},
        owners=owners,
        owner_labels=labels,
        pillars={pillar.pk: pillar for pillar in StrategyPillar.objects.all()},
        people={person.pk: person for person in people},
        statuses=statuses,
    )


def _kpi_label(kpi: Kpi) -> str:
    unit = f" ({kpi.unit})" if kpi.unit else ""
    return f"{kpi.team.name} · {kpi.name}{unit}"


def owner_key(objective: Objective) -> str:
    if objective.owner_team_id:
        return f"team:{objective.owner_team_id}"
    return f"person:{objective.owner_person_id}"


def editable_number(value: float | None) -> float | int | None:
    """A value to edit, to the last digit: 200.0 shows as 200 in a field, 2.5 stays 2.5, and
    1234567.0 never becomes 1.23457e+06 (which saving unchanged would turn into 1234570)."""
    if value is None or not float(value).is_integer() or abs(value) >= 1e15:
        return value
    return int(value)


def row_initial(kr: KeyResult) -> dict:
    return {
        "id": kr.pk,
        "version": kr.version,
        "title": kr.title,
        "kind": kr.kind,
        "direction": kr.direction,
        "start": editable_number(kr.start),
        "target": editable_number(kr.target),
        "range_low": editable_number(kr.range_low),
        "range_high": editable_number(kr.range_high),
        "unit": kr.unit,
        "weight": editable_number(kr.weight),
        "owner": kr.owner_id,
        "kpi": kr.kpi_id,
        "kpi_factor": editable_number(kr.kpi_factor) if kr.kpi_id and kr.kpi_factor != 1 else None,
        "steps": format_steps(kr.steps.all()),
    }


def objective_initial(objective: Objective) -> dict:
    initial = {
        name: getattr(objective, name)
        for name in ("title", "description", "strategy", "kind", "visibility", "status")
    }
    initial.update(
        cycle=objective.cycle_id,
        owner=owner_key(objective),
        parent=objective.parent_id,
        pillar=objective.pillar_id,
        version=objective.version,
    )
    return initial
