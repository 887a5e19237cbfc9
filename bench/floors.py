"""The database floor of each scenario: the raw SQL that fetches the rows its page shows.

Written by reading the ORM queries each view runs (stretch/okrs/views.py, org/views.py,
okrs/alignment.py, okrs/explore.py, reviews/analytics.py, social/feed.py) and keeping only
what the response needs: the same tables, filters (visibility included) and row counts, in as
few statements as SQL allows. Each scenario's floor is the time to run all its statements and
fetch every row, on one connection of the load process, while the server is idle.

Placeholders are `:name`; for PostgreSQL they become `%(name)s`. `{ilike}` and `{week}` are
the only dialect differences.
"""

import re

VIS = (
    "(o.visibility = 'public' OR o.owner_person_id = :u"
    " OR o.owner_team_id IN (SELECT team_id FROM org_membership WHERE person_id = :u))"
)
OBJ_COLS = (
    "o.id, o.title, o.kind, o.status, o.visibility, o.score, o.parent_id, o.cycle_id,"
    " o.owner_person_id, o.owner_team_id, o.pillar_id, o.updated_at, p.display_name, t.name"
)
OBJ_FROM = (
    "okrs_objective o LEFT JOIN org_profile p ON p.user_id = o.owner_person_id"
    " LEFT JOIN org_team t ON t.id = o.owner_team_id"
)
KR_COLS = (
    "k.id, k.objective_id, k.title, k.kind, k.direction, k.start, k.target, k.current,"
    " k.range_low, k.range_high, k.weight, k.confidence, k.checked_in_at, k.owner_id"
)
MINE = (
    "(o.owner_person_id = :u"
    " OR o.owner_team_id IN (SELECT team_id FROM org_membership WHERE person_id = :u))"
)
IN_CYCLE_TREE = (
    "o.cycle_id IN (SELECT id FROM okrs_cycle WHERE start >= (SELECT start FROM okrs_cycle"
    ' WHERE id = :c) AND "end" <= (SELECT "end" FROM okrs_cycle WHERE id = :c))'
)


def _krs_of(where: str) -> list[str]:
    """Key results and milestone steps of the objectives `o` matching `where`."""
    return [
        f"SELECT {KR_COLS} FROM okrs_keyresult k JOIN okrs_objective o ON o.id = k.objective_id"
        f" WHERE {where} ORDER BY k.objective_id, k.position",
        "SELECT s.id, s.key_result_id, s.weight, s.done FROM okrs_milestonestep s"
        " JOIN okrs_keyresult k ON k.id = s.key_result_id"
        f" JOIN okrs_objective o ON o.id = k.objective_id WHERE {where}",
    ]


CYCLES = 'SELECT id, name, status, start, "end" FROM okrs_cycle ORDER BY start DESC'

TREE_LEVELS = (
    f"WITH roots AS (SELECT o.id FROM okrs_objective o WHERE o.cycle_id = :c AND {VIS} AND"
    " (o.parent_id IS NULL OR o.parent_id NOT IN (SELECT id FROM okrs_objective WHERE cycle_id = :c))),"
    " lvl AS (SELECT id FROM roots UNION SELECT o.id FROM okrs_objective o"
    f" WHERE o.parent_id IN (SELECT id FROM roots) AND {VIS})"
)

TEAM_WHERE = (
    "o.cycle_id = :c AND (o.owner_team_id = :t"
    " OR o.owner_team_id IN (SELECT id FROM org_team WHERE parent_id = :t)"
    " OR o.owner_person_id IN (SELECT person_id FROM org_membership WHERE team_id = :t))"
    f" AND {VIS}"
)
EXPLORE_WHERE = (
    f"o.cycle_id = :c AND {VIS} AND (o.title {{ilike}} :q OR o.description {{ilike}} :q"
    " OR o.id IN (SELECT objective_id FROM okrs_keyresult WHERE title {ilike} :q))"
)

FLOORS: dict[str, list[str]] = {
    "my_okrs": [
        f"SELECT {OBJ_COLS} FROM {OBJ_FROM} WHERE o.cycle_id = :c AND {MINE}"
        " ORDER BY o.owner_team_id, o.id",
        *_krs_of(f"o.cycle_id = :c AND ({MINE} OR k.owner_id = :u)"),
        "SELECT k.id, k.title, k.checked_in_at, o.title FROM okrs_keyresult k"
        " JOIN okrs_objective o ON o.id = k.objective_id JOIN okrs_cycle c ON c.id = o.cycle_id"
        " WHERE c.status = 'active' AND o.status = 'active'"
        " AND (k.owner_id = :u OR (k.owner_id IS NULL AND o.owner_person_id = :u))"
        " ORDER BY k.checked_in_at",
        CYCLES,
    ],
    "objective": [
        f'SELECT {OBJ_COLS}, c.name, c.start, c."end" FROM {OBJ_FROM}'
        " JOIN okrs_cycle c ON c.id = o.cycle_id WHERE o.id = :o",
        *_krs_of("o.id = :o"),
        "SELECT * FROM (SELECT ci.id, ci.key_result_id, ci.value, ci.confidence, ci.note,"
        " ci.created_at, ci.author_id, ROW_NUMBER() OVER (PARTITION BY ci.key_result_id"
        " ORDER BY ci.created_at DESC, ci.id DESC) AS rn FROM okrs_checkin ci"
        " WHERE ci.key_result_id IN (SELECT id FROM okrs_keyresult WHERE objective_id = :o)) x"
        " WHERE rn <= 10",
        "SELECT cm.id, cm.html, cm.created_at, p.display_name FROM social_comment cm"
        " LEFT JOIN org_profile p ON p.user_id = cm.author_id"
        " WHERE cm.objective_id = :o AND cm.deleted_at IS NULL ORDER BY cm.created_at",
        f"SELECT {OBJ_COLS} FROM {OBJ_FROM} WHERE o.parent_id = :o AND {VIS}",
        CYCLES,
    ],
    "team": [
        "SELECT * FROM org_team WHERE id = :t",
        "SELECT id, name, parent_id FROM org_team",
        "SELECT m.role, u.id, u.username, p.display_name FROM org_membership m"
        " JOIN auth_user u ON u.id = m.person_id LEFT JOIN org_profile p ON p.user_id = u.id"
        " WHERE m.team_id = :t AND u.is_active ORDER BY m.role, p.display_name",
        "SELECT m.team_id, COUNT(*) FROM org_membership m JOIN org_team t ON t.id = m.team_id"
        " WHERE t.parent_id = :t GROUP BY m.team_id",
        f"SELECT {OBJ_COLS} FROM {OBJ_FROM} WHERE {TEAM_WHERE}",
        *_krs_of(TEAM_WHERE),
        CYCLES,
    ],
    "checkin": [
        f"SELECT {KR_COLS}, o.owner_person_id, o.status FROM okrs_keyresult k"
        " JOIN okrs_objective o ON o.id = k.objective_id WHERE k.id = :k",
        "INSERT INTO okrs_checkin (value, confidence, note, done_steps, created_at, author_id,"
        " key_result_id) VALUES (:v, 7, 'bench floor', '[]', :now, :u, :k)",
        "UPDATE okrs_keyresult SET current = :v, confidence = 7, checked_in_at = :now,"
        " version = version + 1 WHERE id = :k",
    ],
    "company": [
        "SELECT * FROM org_company",
        "SELECT name FROM org_companyvalue WHERE archived = :false",
        "SELECT * FROM org_strategypillar",
        f"SELECT {OBJ_COLS} FROM {OBJ_FROM} WHERE {IN_CYCLE_TREE}"
        f" AND o.owner_team_id IN (SELECT id FROM org_team WHERE parent_id IS NULL) AND {VIS}",
        f"{TREE_LEVELS} SELECT {OBJ_COLS} FROM {OBJ_FROM} WHERE o.id IN (SELECT id FROM lvl)",
        f"{TREE_LEVELS} SELECT {KR_COLS} FROM okrs_keyresult k"
        " WHERE k.objective_id IN (SELECT id FROM lvl)",
        CYCLES,
    ],
    "company_tree": [
        f"{TREE_LEVELS} SELECT {OBJ_COLS} FROM {OBJ_FROM} WHERE o.id IN (SELECT id FROM lvl)",
        f"{TREE_LEVELS} SELECT {KR_COLS} FROM okrs_keyresult k"
        " WHERE k.objective_id IN (SELECT id FROM lvl)",
    ],
    "alignment_json": [
        f"SELECT {OBJ_COLS} FROM {OBJ_FROM} WHERE ({IN_CYCLE_TREE}"
        " OR o.id IN (SELECT parent_id FROM okrs_objective WHERE cycle_id = :c))"
        f" AND {VIS}",
        *_krs_of(
            f"({IN_CYCLE_TREE} OR o.id IN (SELECT parent_id FROM okrs_objective"
            f" WHERE cycle_id = :c)) AND {VIS}"
        ),
        "SELECT id, parent_id FROM org_team WHERE parent_id IS NULL",
    ],
    "explore": [
        f"SELECT COUNT(*) FROM okrs_objective o WHERE {EXPLORE_WHERE}",
        f"SELECT {OBJ_COLS} FROM {OBJ_FROM} WHERE {EXPLORE_WHERE}"
        " ORDER BY o.updated_at DESC, o.id DESC LIMIT 25",
        f"SELECT {KR_COLS} FROM okrs_keyresult k WHERE k.objective_id IN"
        f" (SELECT o.id FROM okrs_objective o WHERE {EXPLORE_WHERE}"
        " ORDER BY o.updated_at DESC, o.id DESC LIMIT 25)",
        "SELECT id, name FROM org_team",
        CYCLES,
    ],
    "analytics": [
        "SELECT o.id, o.score, o.kind, o.parent_id, o.owner_team_id, o.owner_person_id"
        " FROM okrs_objective o WHERE o.cycle_id = :c AND o.status <> 'draft'",
        f"SELECT {KR_COLS}, k.score FROM okrs_keyresult k JOIN okrs_objective o"
        " ON o.id = k.objective_id WHERE o.cycle_id = :c AND o.status <> 'draft'",
        "SELECT s.key_result_id, SUM(s.weight), SUM(CASE WHEN s.done THEN s.weight ELSE 0 END)"
        " FROM okrs_milestonestep s JOIN okrs_keyresult k ON k.id = s.key_result_id"
        " JOIN okrs_objective o ON o.id = k.objective_id WHERE o.cycle_id = :c"
        " GROUP BY s.key_result_id",
        "SELECT m.team_id, COUNT(*), SUM(CASE WHEN k.checked_in_at >= :since THEN 1 ELSE 0 END)"
        " FROM okrs_keyresult k JOIN okrs_objective o ON o.id = k.objective_id"
        " JOIN org_membership m ON m.person_id = o.owner_person_id"
        " WHERE o.cycle_id = :c AND o.status = 'active' GROUP BY m.team_id",
        "SELECT {week}, AVG(ci.confidence) FROM okrs_checkin ci"
        " JOIN okrs_keyresult k ON k.id = ci.key_result_id"
        " JOIN okrs_objective o ON o.id = k.objective_id"
        " WHERE o.cycle_id = :c AND ci.confidence IS NOT NULL GROUP BY 1 ORDER BY 1",
        "SELECT id, name, parent_id FROM org_team ORDER BY name, id",
        CYCLES,
    ],
    "feed": [
        "SELECT a.id, a.verb, a.data, a.created_at, p.display_name, o.title, k.title, t.name"
        " FROM social_activity a LEFT JOIN org_profile p ON p.user_id = a.actor_id"
        " LEFT JOIN okrs_objective o ON o.id = a.objective_id"
        " LEFT JOIN okrs_keyresult k ON k.id = a.key_result_id"
        " LEFT JOIN org_team t ON t.id = a.team_id"
        " WHERE (a.objective_id IS NULL OR o.visibility = 'public' OR o.owner_person_id = :u)"
        " ORDER BY a.created_at DESC, a.id DESC LIMIT 30",
        "SELECT COUNT(*) FROM social_activity",
    ],
}
FLOORS["analytics_api"] = FLOORS["analytics"]


def statements(name: str, vendor: str) -> list[str]:
    """The floor of scenario `name` in `vendor`'s dialect (sqlite or postgresql)."""
    out = []
    for sql in FLOORS.get(name, []):
        if vendor == "postgresql":
            sql = sql.replace("{ilike}", "ILIKE").replace(
                "{week}", "date_trunc('week', ci.created_at)"
            )
            sql = re.sub(r"(?<![:\w]):([a-z_]+)", r"%(\1)s", sql)
        else:
            sql = sql.replace("{ilike}", "LIKE").replace(
                "{week}", "strftime('%Y-%W', ci.created_at)"
            )
        out.append(sql)
    return out
