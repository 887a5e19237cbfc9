"""The strategy service: pillars (administrators only), the name, mission and vision, and the
strategy map of a cycle with its flags, as each viewer may see it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from stretch.okrs import services as okrs
from stretch.org import services as org
from stretch.org import strategy
from stretch.org.models import Company, StrategyPillar


def plan(company):
    """Pillars Quality, Speed and Growth (no objective serves Growth). In the quarter:
    "No outages" (company, Quality, 5/10), below it the team's "Boring platform" (with
    alice's "Migrate jobs" below that) and bob's private "Fix paging" (10/10); "Ship weekly"
    (company, Speed, no key results: it rolls up "Faster deploys" of Platform, 8/10); the
    company's private "Secret plan" (Speed); "Tidy the office" (company, no pillar), aligned
    to "No outages". In the year: "Be reliable" (company, Quality)."""
    p = type("Plan", (), {})()
    p.quality = company.pillar
    p.speed = StrategyPillar.objects.create(name="Speed", position=1)
    p.growth = StrategyPillar.objects.create(name="Growth", position=2)
    root, quarter = company.root, company.quarter

    def objective(actor, title, cycle=quarter, **fields):
        return okrs.create_objective(actor, cycle=cycle, title=title, **fields)

    def measure(objective, value, title="Metric"):
        owner = objective.owner_person or company.admin
        kr = okrs.create_key_result(company.admin, objective, title=title, target=10, owner=owner)
        okrs.check_in(company.admin, kr, value=value)
        return kr

    p.year = objective(company.ceo, "Be reliable", company.year, owner_team=root, pillar=p.quality)
    p.outages = objective(company.ceo, "No outages", owner_team=root, pillar=p.quality)
    p.outages_kr = measure(p.outages, 5, title="Incidents a month")
    p.platform = objective(
        company.bob, "Boring platform", owner_team=company.platform, parent=p.outages
    )
    measure(p.platform, 3)
    p.migrate = objective(
        company.alice, "Migrate jobs", owner_person=company.alice, parent=p.platform
    )
    p.paging = objective(
        company.bob,
        "Fix paging",
        owner_person=company.bob,
        parent=p.outages,
        visibility="private",
    )
    measure(p.paging, 10)
    p.ship = objective(company.ceo, "Ship weekly", owner_team=root, pillar=p.speed)
    p.deploys = objective(company.bob, "Faster deploys", owner_team=company.platform, parent=p.ship)
    measure(p.deploys, 8)
    p.secret = objective(
        company.ceo, "Secret plan", owner_team=root, pillar=p.speed, visibility="private"
    )
    p.tidy = objective(company.ceo, "Tidy the office", owner_team=root, parent=p.outages)
    return p


@pytest.fixture
def s(company):
    return plan(company)


def names() -> list[tuple[str, int]]:
    return list(StrategyPillar.objects.values_list("name", "position"))


def field_of(excinfo) -> str:
    return next(iter(excinfo.value.message_dict))


# Pillars ------------------------------------------------------------------------------------


def test_an_administrator_adds_a_pillar_last(company):
    made = strategy.create_pillar(company.admin, name="  Speed ", description=" Ship often ")
    assert (made.name, made.description, made.position) == ("Speed", "Ship often", 1)
    assert names() == [("Quality", 0), ("Speed", 1)]


def test_a_pillar_added_at_a_position_moves_the_others_down(company):
    strategy.create_pillar(company.admin, name="Speed")
    strategy.create_pillar(company.admin, name="Growth", position=0)
    assert names() == [("Growth", 0), ("Quality", 1), ("Speed", 2)]


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "quality"}, "name"),  # taken, whatever the case
        ({"name": "Speed", "description": "x" * 2001}, "description"),
        ({"name": "Speed", "position": -1}, "position"),
        ({"name": "Speed", "position": True}, "position"),
    ],
)
def test_a_bad_pillar_is_refused_naming_the_field(company, fields, field):
    with pytest.raises(ValidationError) as excinfo:
        strategy.create_pillar(company.admin, **fields)
    assert field_of(excinfo) == field
    assert names() == [("Quality", 0)]


def test_a_name_of_200_characters_is_enough(company):
    assert strategy.create_pillar(company.admin, name="x" * 200).name == "x" * 200


def test_only_administrators_set_pillars(company):
    for person in [company.ceo, company.carol, company.alice]:
        with pytest.raises(PermissionDenied):
            strategy.create_pillar(person, name="Speed")
        with pytest.raises(PermissionDenied):
            strategy.update_pillar(person, company.pillar, name="Mine")
        with pytest.raises(PermissionDenied):
            strategy.move_pillar(person, company.pillar, -1)  # already first: still refused
        with pytest.raises(PermissionDenied):
            strategy.delete_pillar(person, company.pillar)
    assert names() == [("Quality", 0)]


def test_renaming_a_pillar_keeps_it_unique(company, s):
    strategy.update_pillar(company.admin, s.speed, name="Velocity", description="Fast")
    s.speed.refresh_from_db()
    assert (s.speed.name, s.speed.description) == ("Velocity", "Fast")
    with pytest.raises(ValidationError) as excinfo:
        strategy.update_pillar(company.admin, s.speed, name="GROWTH")
    assert field_of(excinfo) == "name"
    # Its own name in another case is no clash.
    assert strategy.update_pillar(company.admin, s.speed, name="VELOCITY").name == "VELOCITY"


def test_moving_a_pillar_renumbers_the_order(company, s):
    strategy.update_pillar(company.admin, s.growth, position=0)
    assert names() == [("Growth", 0), ("Quality", 1), ("Speed", 2)]
    strategy.update_pillar(company.admin, s.growth, position=99)  # past the end: last
    assert names() == [("Quality", 0), ("Speed", 1), ("Growth", 2)]


def test_up_and_down_swap_with_the_neighbour_and_stop_at_the_ends(company, s):
    strategy.move_pillar(company.admin, s.speed, -1)
    assert names() == [("Speed", 0), ("Quality", 1), ("Growth", 2)]
    strategy.move_pillar(company.admin, s.speed, -1)
    assert names() == [("Speed", 0), ("Quality", 1), ("Growth", 2)]
    strategy.move_pillar(company.admin, s.quality, 1)
    assert names() == [("Speed", 0), ("Growth", 1), ("Quality", 2)]


def test_a_pillar_no_objective_names_is_deleted(company, s):
    strategy.delete_pillar(company.admin, s.growth)
    assert names() == [("Quality", 0), ("Speed", 1)]


def test_a_pillar_objectives_name_is_not_deleted(company, s):
    with pytest.raises(ValidationError) as excinfo:
        strategy.delete_pillar(company.admin, s.speed)
    assert field_of(excinfo) == "pillar"
    assert "2 objectives name “Speed”" in excinfo.value.message_dict["pillar"][0]
    assert StrategyPillar.objects.filter(pk=s.speed.pk).exists()


def test_an_objective_of_a_closed_cycle_still_keeps_its_pillar(company, s):
    okrs.update_objective(company.admin, s.outages, {"pillar": None})
    with pytest.raises(ValidationError, match="1 objective names"):
        strategy.delete_pillar(company.admin, s.quality)  # the year's "Be reliable"


def test_pillar_uses_count_every_objective_naming_it(company, s):
    assert strategy.pillar_uses() == {s.quality.pk: 2, s.speed.pk: 2}


def test_an_unknown_pillar_is_a_404_or_an_error_on_the_field(company):
    from django.http import Http404

    with pytest.raises(Http404):
        strategy.get_pillar(999999)
    with pytest.raises(ValidationError) as excinfo:
        strategy.get_pillar("x", field="pillar")
    assert field_of(excinfo) == "pillar"


# Name, mission and vision -------------------------------------------------------------------


def test_an_administrator_writes_the_name_mission_and_vision(company):
    org.update_company(company.admin, name=" Acme ", mission="Make it\nwork", vision="Calm")
    saved = Company.load()
    assert (saved.name, saved.mission, saved.vision) == ("Acme", "Make it\nwork", "Calm")


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"mission": "x" * 5001}, "mission"),
        ({"vision": 3}, "vision"),
        ({"values": "x"}, "values"),
    ],
)
def test_bad_statements_are_refused_naming_the_field(company, fields, field):
    with pytest.raises(ValidationError) as excinfo:
        org.update_company(company.admin, **fields)
    assert field_of(excinfo) == field
    assert Company.load().name == "Testco"


def test_only_administrators_write_the_mission(company):
    with pytest.raises(PermissionDenied):
        org.update_company(company.ceo, mission="Mine")
    assert Company.load().mission == "Test everything"


# The strategy map ---------------------------------------------------------------------------


def titles(entries) -> list[str]:
    return [entry.objective.title for entry in entries]


def rows(found) -> dict[str, list[str]]:
    return {row.pillar.name: titles(row.objectives) for row in found.pillars}


def test_the_map_puts_company_objectives_under_their_pillars_in_order(company, s):
    found = strategy.build_map(company.admin, company.quarter)
    assert rows(found) == {
        "Quality": ["Be reliable", "No outages"],  # the year's first: the quarter serves it
        "Speed": ["Ship weekly", "Secret plan"],
        "Growth": [],
    }
    assert titles(found.unpillared.objectives) == ["Tidy the office"]


def test_the_map_flags_pillars_no_objective_serves_and_objectives_without_one(company, s):
    found = strategy.build_map(company.admin, company.quarter)
    assert [row.pillar.name for row in found.unserved] == ["Growth"]
    assert found.unpillared.count == 1 and found.unpillared.pillar is None
    okrs.update_objective(company.admin, s.tidy, {"pillar": s.growth})
    again = strategy.build_map(company.admin, company.quarter)
    assert again.unserved == [] and again.unpillared.objectives == []


def test_a_year_map_leaves_out_the_quarter(company, s):
    found = strategy.build_map(company.admin, company.year)
    assert rows(found) == {"Quality": ["Be reliable"], "Speed": [], "Growth": []}
    assert [row.pillar.name for row in found.unserved] == ["Speed", "Growth"]


def test_each_company_objective_brings_its_key_results_and_rolled_up_progress(company, s):
    found = strategy.build_map(company.admin, company.quarter)
    quality, speed = found.pillars[0], found.pillars[1]
    outages = quality.objectives[1]
    assert [kr.title for kr in outages.objective.key_result_list] == ["Incidents a month"]
    assert outages.objective.progress == pytest.approx(0.5)
    ship = speed.objectives[0]
    assert ship.objective.key_result_list == []
    assert ship.objective.progress == pytest.approx(0.8)  # from "Faster deploys"
    assert quality.progress == pytest.approx((0.0 + 0.5) / 2)


def test_the_first_level_below_is_team_and_personal_objectives_with_their_counts(company, s):
    found = strategy.build_map(company.admin, company.quarter)
    outages = found.pillars[0].objectives[1]
    assert [n.title for n in outages.aligned] == ["Boring platform", "Fix paging"]
    assert outages.aligned_count == 2  # "Tidy the office" is a company objective of its own
    platform = outages.aligned[0]
    assert (platform.child_count, platform.children, platform.lazy) == (1, [], True)
    assert platform.progress == pytest.approx(0.3)
    assert titles([e for e in found.unpillared.objectives if e.serves]) == ["Tidy the office"]
    assert found.unpillared.objectives[0].serves == s.outages


def test_private_objectives_are_left_out_of_the_lists_and_the_counts(company, s):
    for person in [company.dave, company.alice]:
        found = strategy.build_map(person, company.quarter)
        assert rows(found)["Speed"] == ["Ship weekly"]
        outages = found.pillars[0].objectives[1]
        assert [n.title for n in outages.aligned] == ["Boring platform"]
        assert outages.aligned_count == 1
    carol = strategy.build_map(company.carol, company.quarter)  # bob's manager
    assert carol.pillars[0].objectives[1].aligned_count == 2
    assert rows(carol)["Speed"] == ["Ship weekly"]  # the root team's own private one
    ceo = strategy.build_map(company.ceo, company.quarter)  # a member of the root team
    assert rows(ceo)["Speed"] == ["Ship weekly", "Secret plan"]


def test_a_pillar_served_only_by_a_private_objective_is_flagged_for_those_who_cannot_see_it(
    company, s
):
    okrs.update_objective(company.admin, s.ship, {"pillar": None})
    assert [r.pillar.name for r in strategy.build_map(company.dave, company.quarter).unserved] == [
        "Speed",
        "Growth",
    ]
    assert [r.pillar.name for r in strategy.build_map(company.ceo, company.quarter).unserved] == [
        "Growth"
    ]


def test_a_long_list_below_stops_at_the_limit_and_counts_the_rest(company, s, monkeypatch):
    monkeypatch.setattr(strategy, "ALIGNED_LIMIT", 1)
    outages = strategy.build_map(company.admin, company.quarter).pillars[0].objectives[1]
    assert [n.title for n in outages.aligned] == ["Boring platform"]
    assert (outages.aligned_count, outages.more) == (2, 1)


def test_without_a_cycle_the_map_lists_the_pillars_only(company, s):
    found = strategy.build_map(company.admin, None)
    assert rows(found) == {"Quality": [], "Speed": [], "Growth": []}
    assert found.overall.count == 0


def test_an_unserved_pillar_lists_the_team_and_personal_objectives_naming_it(company, s):
    hire = okrs.create_objective(
        company.bob, cycle=company.quarter, title="Hire", owner_team=company.platform
    )
    okrs.update_objective(company.bob, hire, {"pillar": s.growth})
    okrs.create_key_result(company.bob, hire, title="People hired", target=4)
    okrs.create_objective(
        company.alice,
        cycle=company.quarter,
        title="Learn to interview",
        owner_person=company.alice,
        pillar=s.growth,
        visibility="private",
    )
    for person, expected in [
        (company.dave, ["Hire"]),
        (company.bob, ["Hire", "Learn to interview"]),
    ]:
        growth = strategy.build_map(person, company.quarter).pillars[2]
        assert growth.unserved
        assert [n.title for n in growth.named_below] == expected
        assert growth.named_count == len(expected)
        assert growth.named_below[0].progress == 0.0
    # A pillar that a company objective serves lists none: its branch shows what serves it.
    assert strategy.build_map(company.admin, company.quarter).pillars[0].named_below == []
