"""People, teams and the company in the JSON API."""

from typing import Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from stretch import access
from stretch.org import services
from stretch.org.models import Company, CompanyValue, Membership, StrategyPillar, Team, display_name
from stretch.pagination import Paged, paginate

router = Router(tags=["organisation"])


class TeamRole(Schema):
    team: int
    team_name: str
    role: str


class PersonOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    title: str
    manager: int | None
    teams: list[TeamRole]


class MeOut(PersonOut):
    is_admin: bool


class PersonPage(Paged):
    items: list[PersonOut]


def person_out(user) -> dict:
    profile = getattr(user, "profile", None)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "display_name": display_name(user),
        "email": user.email,
        "title": profile.title if profile else "",
        "manager": profile.manager_id if profile else None,
        "teams": [
            {"team": m.team_id, "team_name": m.team.name, "role": m.role}
            for m in user.memberships.all()
        ],
    }


def people_queryset():
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .select_related("profile")
        .prefetch_related("memberships__team")
        .order_by("id")
    )


@router.get("/me", response=MeOut, summary="The signed-in person")
def me(request):
    user = people_queryset().get(pk=request.auth.pk)
    return {**person_out(user), "is_admin": access.is_admin(user)}


@router.get("/people", response=PersonPage, summary="People in the company")
def list_people(
    request,
    q: str | None = None,
    team: int | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
):
    qs = people_queryset()
    if q:
        qs = qs.filter(
            Q(username__icontains=q) | Q(profile__display_name__icontains=q) | Q(email__icontains=q)
        )
    if team is not None:
        qs = qs.filter(memberships__team_id=team)
    return paginate(qs, limit, offset, person_out)


class TeamOut(Schema):
    id: int
    name: str
    parent: int | None = Field(None, alias="parent_id")
    description: str
    member_count: int = 0
    leads: list[int] = []
    check_in_cadence: Literal["weekly", "biweekly", "monthly"] = Field(
        "weekly", description="how often its key results are due"
    )
    check_in_weekday: int = Field(4, description="the weekday they are due: 0 Monday … 6 Sunday")


class TeamPatch(Schema):
    check_in_cadence: Literal["weekly", "biweekly", "monthly"] | None = None
    check_in_weekday: int | None = Field(None, ge=0, le=6, strict=True)


class TeamIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    parent: int | None = None
    description: str = ""


class TeamPage(Paged):
    items: list[TeamOut]


def team_out(team: Team) -> dict:
    return {
        "id": team.pk,
        "name": team.name,
        "parent_id": team.parent_id,
        "description": team.description,
        "member_count": team.member_count,
        "leads": [m.person_id for m in team.memberships.all() if m.role == Membership.Role.LEAD],
        "check_in_cadence": team.check_in_cadence,
        "check_in_weekday": team.check_in_weekday,
    }


def teams_queryset():
    return Team.objects.annotate(member_count=Count("memberships")).prefetch_related("memberships")


@router.get("/teams", response=TeamPage, summary="Teams, parents before children")
def list_teams(
    request,
    parent: int | None = None,
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0),
):
    qs = teams_queryset().order_by("id")
    if parent is not None:
        qs = qs.filter(parent_id=parent)
    return paginate(qs, limit, offset, team_out)


@router.get("/teams/{team_id}", response=TeamOut)
def get_team(request, team_id: int):
    access.get_team(team_id)  # 404 for an unknown team
    return team_out(teams_queryset().get(pk=team_id))


@router.patch(
    "/teams/{team_id}",
    response=TeamOut,
    summary="Set a team's check-in rhythm (its leads and administrators)",
)
def update_team(request, team_id: int, payload: TeamPatch):
    team = access.get_team(team_id)
    services.set_check_in_rhythm(
        request.auth,
        team,
        cadence=payload.check_in_cadence or team.check_in_cadence,
        weekday=team.check_in_weekday
        if payload.check_in_weekday is None
        else payload.check_in_weekday,
    )
    return team_out(teams_queryset().get(pk=team_id))


@router.post("/teams", response={201: TeamOut}, summary="Create a team (administrators)")
def create_team(request, payload: TeamIn):
    team = services.create_team(
        request.auth, name=payload.name, parent=payload.parent, description=payload.description
    )
    return Status(201, team_out(teams_queryset().get(pk=team.pk)))


class PillarOut(Schema):
    id: int
    name: str
    description: str


class CompanyOut(Schema):
    name: str
    mission: str
    vision: str
    values: list[str]
    pillars: list[PillarOut]
    okrs_need_agreement: bool = Field(False, description="drafts are published once agreed")


class CompanyPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, description="at most 200 characters, not blank")
    mission: str | None = Field(None, description="why the company exists")
    vision: str | None = Field(None, description="where it is going")
    okrs_need_agreement: bool | None = None


def company_out() -> dict:
    company = Company.load()
    return {
        "name": company.name,
        "mission": company.mission,
        "vision": company.vision,
        "values": list(CompanyValue.objects.filter(archived=False).values_list("name", flat=True)),
        "pillars": list(StrategyPillar.objects.all()),
        "okrs_need_agreement": company.okrs_need_agreement,
    }


@router.get("/company", response=CompanyOut, summary="Mission, vision, values and pillars")
def company(request):
    return company_out()


@router.patch(
    "/company",
    response=CompanyOut,
    summary="Change the name, mission, vision or settings of the company (administrators)",
    description="Only the fields given change. Bad input is a 400 naming the field.",
)
def update_company(request, payload: CompanyPatch):
    changes = payload.dict(exclude_unset=True)
    for name, value in changes.items():
        if value is None:
            raise ValidationError({name: _("This field may not be null.")})
    services.update_company(request.auth, **changes)
    return company_out()
