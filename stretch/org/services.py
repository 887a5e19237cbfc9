"""Every change to people, teams and the company goes through here."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from stretch import access
from stretch.org import tokens
from stretch.org.models import ApiToken, Cadence, Company, Membership, Profile, Team, Weekday


def create_person(
    username: str,
    *,
    email: str = "",
    password: str | None = None,
    admin: bool = False,
    display_name: str = "",
    title: str = "",
    manager=None,
):
    """Create a login and its profile. Without a password the person cannot sign in yet."""
    User = get_user_model()
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("A username is needed.")})
    if User.objects.filter(username=username).exists():
        raise ValidationError(
            {"username": _("The username %(name)s is taken.") % {"name": username}}
        )
    with transaction.atomic():
        user = User(username=username, email=email, is_staff=admin, is_superuser=admin)
        if password:
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise ValidationError({"password": error.messages}) from None
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        Profile.objects.create(
            user=user, display_name=display_name or username, title=title, manager=manager
        )
    return user


def issue_token(user, name: str = "", scope: str = ApiToken.Scope.WRITE) -> str:
    """Make a personal API token; returns the raw token, which is not stored (see
    `stretch.org.tokens` for the rules and for what people do with their tokens)."""
    _token, raw = tokens.issue(user, name, scope)
    return raw


def validate_team_parent(team: Team, parent: Team | None) -> None:
    node = parent
    while node is not None:
        if team.pk is not None and node.pk == team.pk:
            raise ValidationError({"parent": _("A team cannot sit below itself.")})
        node = node.parent


def move_team(team: Team, parent: Team | None) -> Team:
    """Put `team` below `parent` (None: at the top); a team cannot sit below itself."""
    validate_team_parent(team, parent)
    if team.parent_id != (parent.pk if parent is not None else None):
        team.parent = parent
        team.save(update_fields=["parent"])
    return team


PROFILE_FIELDS = {"display_name", "title", "manager"}


def update_profile(user, **fields) -> Profile:
    """Set a person's profile fields (`display_name`, `title`, `manager`); a person cannot
    be their own manager."""
    if unknown := set(fields) - PROFILE_FIELDS:
        raise ValidationError({sorted(unknown)[0]: _("Unknown field.")})
    manager = fields.get("manager")
    if manager is not None and manager.pk == user.pk:
        raise ValidationError({"manager": _("A person cannot be their own manager.")})
    profile, _created = Profile.objects.get_or_create(user=user)
    changed = [name for name, value in fields.items() if getattr(profile, name) != value]
    for name in changed:
        setattr(profile, name, fields[name])
    if changed:
        profile.save(update_fields=changed)
    return profile


def remove_membership(team: Team, person) -> bool:
    """Take `person` out of `team`; False when they were not in it."""
    deleted, _by_model = Membership.objects.filter(team=team, person=person).delete()
    return bool(deleted)


def create_team(
    actor, *, name: str, parent: Team | int | None = None, description: str = ""
) -> Team:
    """A new team below `parent` (a team or its id; an unknown id is an error on `parent`)."""
    if not access.can_manage_company(actor):
        raise PermissionDenied(_("Only administrators manage teams."))
    if isinstance(parent, int):
        parent = access.get_team(parent, field="parent")
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("A team needs a name.")})
    if Team.objects.filter(name=name, parent=parent).exists():
        raise ValidationError({"name": _("A team of this name exists already there.")})
    if parent is None and Team.objects.filter(parent=None).exists():
        raise ValidationError({"parent": _("There is one root team; give the new team a parent.")})
    return Team.objects.create(name=name, parent=parent, description=description)


def set_membership(team: Team, person, role: str = Membership.Role.MEMBER) -> Membership:
    membership, _created = Membership.objects.update_or_create(
        team=team, person=person, defaults={"role": role}
    )
    return membership


def set_check_in_rhythm(actor, team: Team, *, cadence: str, weekday: int) -> Team:
    """How often and on which weekday the team's key results are due (its leads and
    administrators decide)."""
    if not access.can_lead_team(actor, team):
        raise PermissionDenied(_("Only the team's leads and administrators set its rhythm."))
    if cadence not in Cadence.values:
        allowed = ", ".join(Cadence.values)
        raise ValidationError(
            {"check_in_cadence": _("Must be one of: %(allowed)s.") % {"allowed": allowed}}
        )
    if isinstance(weekday, bool) or weekday not in Weekday.values:
        raise ValidationError({"check_in_weekday": _("A weekday from 0 (Monday) to 6 (Sunday).")})
    Team.objects.filter(pk=team.pk).update(check_in_cadence=cadence, check_in_weekday=weekday)
    team.check_in_cadence, team.check_in_weekday = cadence, weekday
    return team


COMPANY_SETTINGS = {"okrs_need_agreement", "name", "mission", "vision"}
# The statements at the top of the strategy: the company's name and a few paragraphs each.
COMPANY_TEXT_LIMITS = {"name": 200, "mission": 5000, "vision": 5000}


def _clean_company_text(settings: dict) -> None:
    for field, limit in COMPANY_TEXT_LIMITS.items():
        if field not in settings:
            continue
        value = settings[field]
        if not isinstance(value, str):
            raise ValidationError({field: _("Write it as text.")})
        settings[field] = value = value.strip()
        if field == "name" and not value:
            raise ValidationError({"name": _("The company needs a name.")})
        if len(value) > limit:
            raise ValidationError({field: _("At most %(n)s characters.") % {"n": limit}})


def update_company(actor, **settings) -> Company:
    """Change the company's name, mission and vision, or its settings, such as whether
    objectives need agreement (administrators)."""
    if not access.can_manage_company(actor):
        raise PermissionDenied(_("Only administrators change the company's settings."))
    if unknown := set(settings) - COMPANY_SETTINGS:
        raise ValidationError({sorted(unknown)[0]: _("Unknown field.")})
    _clean_company_text(settings)
    company = Company.load()
    for name, value in settings.items():
        setattr(company, name, value)
    company.save()
    return company
