"""Recovery objectives: when a KPI is in the red, an objective of the OKR cycle brings it
back into its band, its one key result following the KPI (so each measurement moves it).
"""

import math
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stretch import access
from stretch.kpis import health, measuring
from stretch.kpis.models import Kpi
from stretch.okrs import phases
from stretch.okrs import services as okrs
from stretch.okrs.formatting import number
from stretch.okrs.models import Cycle, KeyResult, Objective
from stretch.org.models import Team


def reading(kpi: Kpi, value: float | None) -> str:
    return f"{number(value)} {kpi.unit}".strip()


def open_recovery(kpi: Kpi) -> Objective | None:
    """The objective bringing the KPI back into its band, while it is still under way."""
    objective = kpi.recovery
    if objective is None or objective.status in (Objective.Status.CLOSED, Objective.Status.STOPPED):
        return None
    return None if objective.cycle.status == Cycle.Status.CLOSED else objective


def current_cycle() -> Cycle | None:
    """The active cycle a new objective goes into: the latest-starting one under way today."""
    active = Cycle.objects.filter(status=Cycle.Status.ACTIVE).order_by("-start", "-id")
    today = timezone.localdate()
    return active.filter(start__lte=today, end__gte=today).first() or active.first()


def recovery_draft(kpi: Kpi) -> dict[str, Any]:
    """What a recovery objective for the KPI would say: bring it back to the nearest green
    value, in the active cycle, owned by the KPI's owner (or its team)."""
    band = health.Band.of(kpi)
    latest = kpi.latest_value
    target = health.way_back(band, latest if latest is not None else -math.inf)
    direction = (
        KeyResult.Direction.DECREASE
        if latest is not None and target < latest
        else KeyResult.Direction.INCREASE
    )
    return {
        "title": _("Bring “%(name)s” back into its band") % {"name": kpi.name},
        "cycle": current_cycle(),
        "owner_person": kpi.owner,
        "owner_team": None if kpi.owner is not None else kpi.team,
        "key_result": {
            "title": _("“%(name)s” at %(target)s")
            % {"name": kpi.name, "target": reading(kpi, target)},
            "unit": kpi.unit,
            "start": latest,
            "target": target,
            "direction": direction,
            "kpi": kpi,
        },
    }


def create_recovery(
    actor,
    kpi: Kpi,
    *,
    cycle: Cycle | None = None,
    title: str | None = None,
    target: float | None = None,
    owner_person=None,
    owner_team: Team | None = None,
) -> Objective:
    """An objective to bring a red KPI back into its band, with one key result following
    it, made through the OKR services (their permissions, history and events apply)."""
    if not access.can_manage_kpi(actor, kpi):
        raise PermissionDenied(_("You may not change this KPI."))
    with transaction.atomic():
        kpi = (
            Kpi.objects.select_for_update(of=("self",))
            .select_related("owner", "team")
            .get(pk=kpi.pk)
        )
        if kpi.health != health.RED:
            raise ValidationError(
                {
                    "kpi": _("“%(name)s” is not in the red; there is nothing to recover.")
                    % {"name": kpi.name}
                }
            )
        if (running := open_recovery(kpi)) is not None:
            raise ValidationError(
                {
                    "kpi": _("“%(name)s” has a recovery objective already: “%(title)s”.")
                    % {"name": kpi.name, "title": running.title}
                }
            )
        draft = recovery_draft(kpi)
        cycle = cycle or draft["cycle"]
        if cycle is None:
            raise ValidationError({"cycle": _("There is no active cycle to put it in.")})
        if owner_person is None and owner_team is None:
            owner_person, owner_team = draft["owner_person"], draft["owner_team"]
            if owner_person is not None and not access.can_own(actor, owner_person=owner_person):
                owner_person, owner_team = None, kpi.team  # a lead acting for the team
        result = dict(draft["key_result"])
        if target is not None:
            if isinstance(target, bool) or not math.isfinite(target):
                raise ValidationError({"target": _("Must be a finite number.")})
            result["target"] = float(target)
            result["direction"] = (
                KeyResult.Direction.DECREASE
                if result["start"] is not None and result["target"] < result["start"]
                else KeyResult.Direction.INCREASE
            )
            result["title"] = _("“%(name)s” at %(target)s") % {
                "name": kpi.name,
                "target": reading(kpi, result["target"]),
            }
        objective = okrs.create_objective(
            actor,
            cycle=cycle,
            title=(title or "").strip() or draft["title"],
            description=_("The KPI “%(name)s” has been in the red for %(count)s measurements.")
            % {"name": kpi.name, "count": kpi.red_streak},
            owner_person=owner_person,
            owner_team=owner_team,
        )
        key_result = okrs.create_key_result(
            actor,
            objective,
            title=result["title"],
            kind=KeyResult.Kind.METRIC,
            direction=result["direction"],
            start=result["start"] if result["start"] is not None else 0.0,
            target=result["target"],
            unit=result["unit"],
            kpi=kpi,
            kpi_factor=1.0,
        )
        _start_from_latest(kpi, key_result)
        kpi.recovery = objective
        kpi.save(update_fields=["recovery", "updated_at"])
    return objective


def _start_from_latest(kpi: Kpi, key_result: KeyResult) -> None:
    """The recovery's key result starts where the KPI is: its latest reading becomes the
    first check-in (by the system, at the reading's time), so the page shows the value."""
    latest = kpi.measurements.order_by("-date", "-id").first()
    if latest is None or key_result.objective.cycle.status not in phases.ALLOWED[phases.CHECK_IN]:
        return
    okrs.check_in_from_measurement(
        key_result,
        value=latest.value,
        at=measuring.moment(latest.date),
        measurement=latest,
        note=_("The KPI “%(name)s” when the recovery began") % {"name": kpi.name},
    )
