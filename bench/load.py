"""The load process of the benchmark: signs people in, drives the server, times the floors.

Run by bench/bench.py as a separate process (never imports Django): an asyncio loop of N
httpx clients, each with its own session, over loopback; and one database connection
(sqlite3 or psycopg) for the database floors and for choosing who and what to ask for.
Writes one JSON document (--out) and prints progress on stderr.
"""

import argparse
import asyncio
import json
import os
import random
import re
import sqlite3
import statistics
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import floors

PASSWORD = "stretch-demo"

# Scenario name → what it asks for (the Markdown table's label).
LABELS = {
    "healthz": "framework floor: GET /healthz",
    "my_okrs": "My OKRs: GET /",
    "objective": "objective page: GET /objectives/{id}/",
    "team": "team page: GET /teams/{id}/",
    "checkin": "check-in submit: POST /api/v1/key-results/{id}/check-ins",
    "company": "company page + tree first levels: GET /company/",
    "company_tree": "company tree partial (htmx): GET /company/tree/?pillar=",
    "alignment_json": "alignment JSON, active cycle: GET /api/v1/cycles/{id}/alignment",
    "explore": "explore search: GET /explore/?q=",
    "analytics": "analytics page, whole company: GET /analytics/",
    "analytics_api": "analytics JSON: GET /api/v1/analytics/summary?cycle=",
    "feed": "feed: GET /feed/",
}
SCENARIOS = list(LABELS)
MIX = {
    "my_okrs": 20,
    "objective": 20,
    "team": 10,
    "checkin": 10,
    "explore": 10,
    "feed": 10,
    "company": 5,
    "company_tree": 5,
    "analytics": 2,
    "analytics_api": 1,
    "alignment_json": 2,
}


# Database ------------------------------------------------------------------------------------


class Db:
    def __init__(self, spec: dict):
        self.vendor = spec["vendor"]
        if self.vendor == "sqlite":
            self.conn = sqlite3.connect(spec["path"], timeout=30)
            self.version = sqlite3.sqlite_version
        else:
            import psycopg

            self.conn = psycopg.connect(spec["url"])
            self.version = self.one("SHOW server_version")[0]

    def _sql(self, sql: str) -> str:
        if self.vendor == "postgresql":
            return re.sub(r"(?<![:\w]):([a-z_]+)", r"%(\1)s", sql)
        return sql

    def all(self, sql: str, params: dict | None = None) -> list:
        cur = self.conn.cursor()
        cur.execute(self._sql(sql), params or {})
        rows = cur.fetchall()
        self.conn.commit()
        return rows

    def one(self, sql: str, params: dict | None = None):
        cur = self.conn.cursor()
        cur.execute(sql if self.vendor == "sqlite" else self._sql(sql), params or {})
        row = cur.fetchone()
        self.conn.commit()
        return row

    def now(self):
        now = datetime.now(UTC)
        return now.strftime("%Y-%m-%d %H:%M:%S.%f") if self.vendor == "sqlite" else now

    def run_floor(self, statements: list[str], params: dict) -> tuple[float, int]:
        """Run every statement of a floor, fetching all rows, and commit; (ms, rows)."""
        rows = 0
        t0 = time.perf_counter()
        cur = self.conn.cursor()
        for sql in statements:
            cur.execute(sql, params)
            if cur.description is not None:
                rows += len(cur.fetchall())
        self.conn.commit()
        return (time.perf_counter() - t0) * 1000, rows


def choose(db: Db, clients: int, seed: int) -> dict:
    """Who signs in and what they ask for, from the database itself."""
    rng = random.Random(seed)
    T, F = True, False
    cycle = db.one(
        db._sql(
            "SELECT id, name FROM okrs_cycle WHERE status = 'active' ORDER BY start DESC LIMIT 1"
        )
    )
    if cycle is None:
        raise SystemExit("bench: error: the database has no active cycle")
    c = cycle[0]
    reporting = (
        "FROM okrs_keyresult k JOIN okrs_objective o ON o.id = k.objective_id"
        " WHERE o.cycle_id = :c AND o.status = 'active' AND k.kind = 'metric'"
        " AND k.direction IN ('increase', 'decrease')"
    )
    users = db.all(
        "SELECT u.id, u.username FROM auth_user u WHERE u.is_active = :t"
        " AND u.is_superuser = :f AND u.is_staff = :f AND EXISTS (SELECT 1 "
        + reporting
        + " AND (k.owner_id = u.id OR (k.owner_id IS NULL AND o.owner_person_id = u.id)))"
        " ORDER BY u.id",
        {"c": c, "t": T, "f": F},
    )
    if not users:
        raise SystemExit("bench: error: no ordinary person reports on a metric key result")
    users = rng.sample(users, min(clients, len(users)))
    ids = [u[0] for u in users]
    krs: dict[int, list] = defaultdict(list)
    for kr_id, owner, obj_owner, start, target in db.all(
        "SELECT k.id, k.owner_id, o.owner_person_id, k.start, k.target " + reporting,
        {"c": c},
    ):
        person = owner if owner is not None else obj_owner
        if person in ids:
            krs[person].append((kr_id, start, target))
    objectives = [
        r[0]
        for r in db.all(
            "SELECT id FROM okrs_objective WHERE cycle_id = :c AND visibility = 'public'"
            " AND status <> 'draft' ORDER BY id",
            {"c": c},
        )
    ]
    teams = [r[0] for r in db.all("SELECT DISTINCT team_id FROM org_membership ORDER BY 1")]
    titles = [
        r[0] for r in db.all("SELECT title FROM okrs_objective WHERE cycle_id = :c", {"c": c})
    ]
    words = Counter(
        w.lower() for t in titles for w in re.findall(r"[^\W\d_]{5,}", t, flags=re.UNICODE)
    )
    pillars = [
        "none" if r[0] is None else str(r[0])
        for r in db.all(
            "SELECT DISTINCT pillar_id FROM okrs_objective WHERE cycle_id = :c AND parent_id IS NULL",
            {"c": c},
        )
    ]
    return {
        "cycle": {"id": c, "name": cycle[1]},
        "users": [{"id": u[0], "username": u[1], "krs": krs[u[0]]} for u in users],
        "objectives": rng.sample(objectives, min(500, len(objectives))),
        "teams": rng.sample(teams, min(200, len(teams))),
        "words": [w for w, _n in words.most_common(40)] or ["quality"],
        "pillars": pillars or ["none"],
    }


def describe_data(db: Db, cycle_id: int) -> dict:
    def count(sql, params=None):
        return db.one(db._sql(sql), params)[0]

    return {
        "database": db.vendor,
        "database_version": db.version,
        "people": count("SELECT COUNT(*) FROM auth_user WHERE is_active = :t", {"t": True}),
        "teams": count("SELECT COUNT(*) FROM org_team"),
        "objectives": count("SELECT COUNT(*) FROM okrs_objective"),
        "objectives_active_cycle": count(
            "SELECT COUNT(*) FROM okrs_objective WHERE cycle_id = :c", {"c": cycle_id}
        ),
        "key_results": count("SELECT COUNT(*) FROM okrs_keyresult"),
        "check_ins": count("SELECT COUNT(*) FROM okrs_checkin"),
        "activities": count("SELECT COUNT(*) FROM social_activity"),
    }


# Memory --------------------------------------------------------------------------------------


def workers_of(master: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry))
    return sorted(pids)


def memory(master: int) -> dict[str, dict[str, float]]:
    """RSS now and its high-water mark (VmHWM), in MB, of each worker of the server."""
    out = {}
    for pid in workers_of(master):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        out[str(pid)] = {
            "rss_mb": int(fields["VmRSS"].split()[0]) / 1024,
            "peak_mb": int(fields["VmHWM"].split()[0]) / 1024,
        }
    return out


# HTTP ----------------------------------------------------------------------------------------


class Client:
    def __init__(self, base: str, user: dict, rng: random.Random):
        self.http = httpx.AsyncClient(
            base_url=base, timeout=300, limits=httpx.Limits(max_connections=1)
        )
        self.user = user
        self.rng = rng

    async def login(self) -> None:
        page = await self.http.get("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if page.status_code != 200 or token is None:
            raise SystemExit(f"bench: error: the login page answered {page.status_code}")
        done = await self.http.post(
            "/login/",
            data={
                "username": self.user["username"],
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1),
                "next": "/",
            },
            headers={"Referer": str(self.http.base_url) + "login/"},
        )
        if done.status_code != 302 or "sessionid" not in self.http.cookies:
            raise SystemExit(
                f"bench: error: {self.user['username']} could not sign in with the password "
                f"{PASSWORD!r} (HTTP {done.status_code})"
            )

    @property
    def csrf(self) -> str:
        return self.http.cookies.get("csrftoken", "")


def requests_for(data: dict, db: Db):
    """Scenario name → function(client) → (method, url, httpx kwargs, expected status,
    floor params)."""
    c = data["cycle"]["id"]
    htmx = {"HX-Request": "true"}

    def base(cl: Client) -> dict:
        return {"u": cl.user["id"], "c": c}

    def healthz(cl):
        return "GET", "/healthz", {}, 200, None

    def my_okrs(cl):
        return "GET", "/", {}, 200, base(cl)

    def objective(cl):
        o = cl.rng.choice(data["objectives"])
        return "GET", f"/objectives/{o}/", {}, 200, base(cl) | {"o": o}

    def team(cl):
        t = cl.rng.choice(data["teams"])
        return "GET", f"/teams/{t}/", {}, 200, base(cl) | {"t": t}

    def checkin(cl):
        kr, start, target = cl.rng.choice(cl.user["krs"])
        value = round(start + (target - start) * cl.rng.random(), 2)
        body = {"value": value, "confidence": cl.rng.randint(3, 9), "note": "bench check-in"}
        return (
            "POST",
            f"/api/v1/key-results/{kr}/check-ins",
            {"json": body, "headers": {"X-CSRFToken": cl.csrf}},
            201,
            base(cl) | {"k": kr, "v": value, "now": db.now()},
        )

    def company(cl):
        return "GET", "/company/", {}, 200, base(cl)

    def company_tree(cl):
        p = cl.rng.choice(data["pillars"])
        return "GET", f"/company/tree/?pillar={p}", {"headers": htmx}, 200, base(cl)

    def alignment_json(cl):
        return "GET", f"/api/v1/cycles/{c}/alignment", {}, 200, base(cl)

    def explore(cl):
        w = cl.rng.choice(data["words"])
        return "GET", "/explore/", {"params": {"q": w}}, 200, base(cl) | {"q": f"%{w}%"}

    def analytics(cl):
        return "GET", "/analytics/", {}, 200, base(cl) | {"since": since()}

    def analytics_api(cl):
        return (
            "GET",
            "/api/v1/analytics/summary",
            {"params": {"cycle": c}},
            200,
            base(cl) | {"since": since()},
        )

    def feed(cl):
        return "GET", "/feed/", {}, 200, base(cl)

    def since():
        then = datetime.now(UTC) - timedelta(days=7)
        return then.strftime("%Y-%m-%d %H:%M:%S") if db.vendor == "sqlite" else then

    return {name: fn for name, fn in locals().items() if name in LABELS}


def stats(latencies: list[float], errors: int, seconds: float) -> dict:
    lat = sorted(latencies)

    def pct(p):
        if not lat:
            return None
        return lat[min(len(lat) - 1, max(0, round(p / 100 * len(lat) + 0.5) - 1))]

    return {
        "requests": len(lat),
        "errors": errors,
        "rps": len(lat) / seconds if seconds else 0.0,
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "mean_ms": statistics.fmean(lat) if lat else None,
        "max_ms": lat[-1] if lat else None,
    }


async def drive(clients, pick, duration: float, warmup: float, error_log: list) -> dict:
    """Every client asks for pick(client) one request after another for warmup + duration
    seconds; what finishes after the warm-up is counted. Returns {kind: stats}."""
    t_start = time.perf_counter()
    counted_from = t_start + warmup
    stop = counted_from + duration
    latencies: dict[str, list[float]] = defaultdict(list)
    warm: dict[str, list[float]] = defaultdict(list)  # started during the warm-up
    errors: Counter = Counter()

    async def one(cl: Client):
        while time.perf_counter() < stop:
            kind, (method, url, kwargs, expected, _params) = pick(cl)
            t0 = time.perf_counter()
            try:
                resp = await cl.http.request(method, url, **kwargs)
                ok = resp.status_code == expected
                if not ok and len(error_log) < 20:
                    error_log.append(f"{kind} {method} {url}: HTTP {resp.status_code}")
            except httpx.HTTPError as error:
                ok = False
                if len(error_log) < 20:
                    error_log.append(f"{kind} {method} {url}: {error!r}")
            t1 = time.perf_counter()
            if t0 >= counted_from:
                if ok:
                    latencies[kind].append((t1 - t0) * 1000)
                else:
                    errors[kind] += 1
            elif ok:
                warm[kind].append((t1 - t0) * 1000)

    await asyncio.gather(*(one(cl) for cl in clients))
    seconds = time.perf_counter() - counted_from
    kinds = set(latencies) | set(errors)
    out = {k: stats(latencies[k], errors[k], seconds) for k in kinds}
    for k in set(warm) - set(latencies):
        # So slow that no request started after the warm-up: report those of the warm-up.
        out[k] = stats(warm[k], errors[k], time.perf_counter() - t_start) | {"warm_up_only": True}
    out["_all"] = stats([x for v in latencies.values() for x in v], sum(errors.values()), seconds)
    return out


async def serial(client: Client, make, count: int, limit_s: float) -> dict:
    """One client alone, one request after another: the latency without queueing."""
    latencies, errors = [], 0
    t_end = time.perf_counter() + limit_s
    t_start = time.perf_counter()
    while len(latencies) + errors < count and time.perf_counter() < t_end:
        method, url, kwargs, expected, _ = make(client)
        t0 = time.perf_counter()
        resp = await client.http.request(method, url, **kwargs)
        if resp.status_code == expected:
            latencies.append((time.perf_counter() - t0) * 1000)
        else:
            errors += 1
    return stats(latencies, errors, time.perf_counter() - t_start)


def db_floor(db: Db, name: str, make, client: Client, runs: int, limit_s: float) -> dict | None:
    statements = floors.statements(name, db.vendor)
    if not statements:
        return None
    times, rows = [], []
    t_end = time.perf_counter() + limit_s
    extra = {"false": False}  # (:t is a team id)
    while len(times) < runs and (time.perf_counter() < t_end or len(times) < 3):
        params = make(client)[4] | extra
        try:
            ms, n = db.run_floor(statements, params)
        except Exception as error:  # report it in the table rather than lose the run
            db.conn.rollback()
            log(f"database floor of {name} failed: {error}")
            return None
        times.append(ms)
        rows.append(n)
    out = stats(times, 0, sum(times) / 1000)
    out["rows_mean"] = statistics.fmean(rows)
    out["statements"] = len(statements)
    return out


async def main_async(cfg: dict) -> dict:
    db = Db(cfg["db"])
    data = choose(db, cfg["clients"], cfg["seed"])
    dataset = describe_data(db, data["cycle"]["id"])
    log(f"active cycle {data['cycle']['name']!r}; {len(data['users'])} people sign in")
    makers = requests_for(data, db)
    rng = random.Random(cfg["seed"])
    users = data["users"]
    clients = [
        Client(cfg["base_url"], users[i % len(users)], random.Random(rng.random()))
        for i in range(cfg["clients"])
    ]
    t0 = time.perf_counter()
    # Sign in a few at a time: PBKDF2 takes a worker's CPU for a while.
    sem = asyncio.Semaphore(4)

    async def login(cl):
        async with sem:
            await cl.login()

    await asyncio.gather(*(login(cl) for cl in clients))
    log(f"{len(clients)} clients signed in in {time.perf_counter() - t0:.1f} s")
    results: dict = {"scenarios": {}, "errors_seen": []}
    master = cfg["server_pid"]
    for name in cfg["scenarios"]:
        make = makers[name]
        log(f"scenario {name}: {cfg['clients']} clients for {cfg['duration']} s")
        loaded = await drive(
            clients,
            lambda cl, m=make, n=name: (n, m(cl)),
            cfg["duration"],
            cfg["warmup"],
            results["errors_seen"],
        )
        alone = await serial(clients[0], make, cfg["serial_requests"], cfg["serial_seconds"])
        floor = db_floor(db, name, make, clients[0], cfg["floor_runs"], cfg["floor_seconds"])
        results["scenarios"][name] = {
            "label": LABELS[name],
            "loaded": loaded.get(name, loaded["_all"]),
            "one_client": alone,
            "db_floor": floor,
            "memory_after": memory(master),
        }
        partial = Path(cfg["partial_out"]) if cfg.get("partial_out") else None
        if partial:  # what is measured so far survives an interrupted run
            partial.write_text(json.dumps(results, indent=2, default=str))
    if cfg["mix_duration"] > 0:
        names = list(MIX)
        weights = [MIX[n] for n in names]

        def pick(cl):
            n = cl.rng.choices(names, weights)[0]
            return n, makers[n](cl)

        log(f"mixed traffic: {cfg['clients']} clients for {cfg['mix_duration']} s")
        mixed = await drive(
            clients, pick, cfg["mix_duration"], cfg["warmup"], results["errors_seen"]
        )
        results["mixed"] = {
            "weights": MIX,
            "all": mixed.pop("_all"),
            "by_kind": mixed,
            "memory_after": memory(master),
        }
    for cl in clients:
        await cl.http.aclose()
    results["dataset"] = dataset
    results["cycle"] = data["cycle"]
    results["signed_in"] = [u["username"] for u in users]
    results["memory_end"] = memory(master)
    return results


def log(text: str) -> None:
    print(f"[load] {text}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True, help="JSON written by bench.py")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    cfg = json.loads(Path(args.config).read_text())
    results = asyncio.run(main_async(cfg))
    Path(args.out).write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
