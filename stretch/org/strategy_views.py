"""Strategy pages: administrators edit the company's name, mission, vision and pillars; the
strategy map shows a cycle's company objectives under the pillars they serve.

The views read the request; `stretch.org.strategy` and `services.update_company` decide and
change. Every form works without JavaScript: it posts, then comes back with a message; a
refused form shows the page again with what was typed and the problem beside its field
(status 400). Others read the page; posting is for administrators only (403).
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stretch import access
from stretch.okrs.models import Cycle
from stretch.okrs.views import pick_cycle
from stretch.org import services, strategy
from stretch.org.models import Company, CompanyValue, StrategyPillar


@dataclass
class PillarEntry:
    """A pillar on the edit page: how many objectives name it, and whether its form was
    the one refused."""

    pillar: StrategyPillar
    uses: int
    bad: bool


def _errors(error: ValidationError) -> dict[str, str]:
    """The first problem of each field; one of no field in particular is under "form"."""
    if hasattr(error, "error_dict"):
        found = {field: str(messages[0]) for field, messages in error.message_dict.items()}
        found["form"] = found.pop("__all__", "")
        return found
    return {"form": str(error.messages[0])}


def _require_admin(request) -> None:
    if not access.can_manage_company(request.user):
        raise PermissionDenied(_("Only administrators set the company's strategy."))


def _edit_page(request, errors=None, failed=None, status=200):
    uses = strategy.pillar_uses()
    pillars = [
        PillarEntry(pillar, uses=uses.get(pillar.pk, 0), bad=failed == pillar.pk)
        for pillar in StrategyPillar.objects.all()
    ]
    context = {
        "company": Company.load(),
        "pillars": pillars,
        "values": list(CompanyValue.objects.filter(archived=False).values_list("name", flat=True)),
        "can_manage": access.can_manage_company(request.user),
        "errors": errors or {},
        "bad_company": failed == "company",  # the name, mission and vision form was refused
        "bad_new": failed == "new",  # the form adding a pillar was refused
        "data": request.POST if errors else {},
        "limits": {
            "pillar_name": strategy.MAX_PILLAR_NAME,
            "pillar_description": strategy.MAX_PILLAR_DESCRIPTION,
            **services.COMPANY_TEXT_LIMITS,
        },
    }
    return render(request, "org/strategy.html", context, status=status)


def edit(request):
    """The strategy page; administrators save the name, mission and vision here."""
    if request.method != "POST":
        return _edit_page(request)
    _require_admin(request)
    data = request.POST
    try:
        services.update_company(
            request.user,
            name=data.get("name", ""),
            mission=data.get("mission", ""),
            vision=data.get("vision", ""),
        )
    except ValidationError as error:
        return _edit_page(request, _errors(error), "company", status=400)
    messages.success(request, _("Saved the company’s name, mission and vision."))
    return redirect("strategy")


@require_POST
def add_pillar(request):
    _require_admin(request)
    data = request.POST
    try:
        pillar = strategy.create_pillar(
            request.user, name=data.get("name", ""), description=data.get("description", "")
        )
    except ValidationError as error:
        return _edit_page(request, _errors(error), "new", status=400)
    messages.success(request, _("Pillar “%(name)s” added.") % {"name": pillar.name})
    return redirect(reverse("strategy") + f"#pillar-{pillar.pk}")


@require_POST
def change_pillar(request, pillar_id: int):
    """Save, move up or down, or delete one pillar (the button pressed says which)."""
    _require_admin(request)
    pillar = strategy.get_pillar(pillar_id)
    data, action = request.POST, request.POST.get("action", "save")
    name = pillar.name
    try:
        if action in ("up", "down"):
            strategy.move_pillar(request.user, pillar, -1 if action == "up" else 1)
            done = _("Moved “%(name)s”.")
        elif action == "delete":
            strategy.delete_pillar(request.user, pillar)
            messages.success(request, _("Deleted “%(name)s”.") % {"name": name})
            return redirect(reverse("strategy") + "#pillars-heading")
        else:
            strategy.update_pillar(
                request.user,
                pillar,
                name=data.get("name", ""),
                description=data.get("description", ""),
            )
            name, done = pillar.name, _("Saved “%(name)s”.")
    except ValidationError as error:
        return _edit_page(request, _errors(error), pillar.pk, status=400)
    messages.success(request, done % {"name": name})
    return redirect(reverse("strategy") + f"#pillar-{pillar.pk}")


def strategy_map(request):
    """Pillars → company objectives → key results → aligned objectives, for ?cycle=."""
    cycle = pick_cycle(request)
    return render(
        request,
        "org/strategy_map.html",
        {
            "cycle": cycle,
            "cycles": Cycle.objects.all(),
            "map": strategy.build_map(request.user, cycle),
            "can_manage": access.can_manage_company(request.user),
        },
    )
