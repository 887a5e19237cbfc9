"""Stretch's benchmark: serve a generated company with `stretch serve`, load it from a separate
process over loopback, and report latency, throughput, floors and worker memory.

Reports; asserts nothing about time. See bench/README.md.
"""

import argparse
import contextlib
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
STRETCH = ROOT / ".venv" / "bin" / "stretch"
sys.path.insert(0, str(HERE))
from load import LABELS, SCENARIOS  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def db_spec(database_url: str | None, data_dir: Path) -> dict:
    if not database_url or database_url.startswith("sqlite"):
        path = urlparse(database_url).path if database_url else str(data_dir / "stretch.sqlite3")
        if not Path(path).exists():
            raise SystemExit(f"bench: error: no SQLite database at {path}")
        return {"vendor": "sqlite", "path": path}
    if database_url.startswith(("postgres://", "postgresql://")):
        return {"vendor": "postgresql", "url": database_url}
    raise SystemExit(f"bench: error: unsupported DATABASE_URL {database_url!r}")


def machine() -> dict:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg(),
    }


def wait_until_up(url: str, proc: subprocess.Popen, log: Path, limit: float = 180) -> None:
    end = time.time() + limit
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit(f"bench: error: the server stopped; see {log}")
        try:
            with urllib.request.urlopen(url + "healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"bench: error: the server did not answer in {limit:.0f} s; see {log}")


def fmt(x, digits=1) -> str:
    if x is None:
        return "—"
    return f"{x:,.{digits}f}"


def markdown(result: dict) -> str:
    m, d, cfg = result["machine"], result["dataset"], result["config"]
    lines = [
        f"### {d['database']} {d['database_version']}, {d['people']:,} people "
        f"({result['started_at']})",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, Linux {m['kernel']}, "
        f"Python {m['python']}; load average at start "
        f"{', '.join(f'{x:.2f}' for x in m['load_average_at_start'])}.  ",
        f"Data: {d['people']:,} people, {d['teams']:,} teams, {d['objectives']:,} objectives "
        f"({d['objectives_active_cycle']:,} in the active cycle {result['cycle']['name']!r}), "
        f"{d['key_results']:,} key results, {d['check_ins']:,} check-ins, "
        f"{d['activities']:,} feed activities.  ",
        f"Run: `stretch serve --workers {cfg['workers']} --threads {cfg['threads']}`, "
        f"{cfg['clients']} concurrent clients (httpx, one process, loopback), "
        f"{cfg['duration']} s per scenario after {cfg['warmup']} s warm-up; "
        f"one-client latency: up to {cfg['serial_requests']} requests in a row; "
        f"database floor: up to {cfg['floor_runs']} runs of the scenario's SQL on one connection.",
        "",
        "| scenario | p50 ms | p95 ms | p99 ms | req/s | errors | 1 client p50 ms "
        "| DB floor p50 ms | × framework floor | × DB floor | worker peak MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    scen = result["scenarios"]
    fw = scen.get("healthz", {}).get("loaded", {}).get("p50_ms")
    for name, s in scen.items():
        loaded, alone, floor = s["loaded"], s["one_client"], s["db_floor"]
        peak = max((w["peak_mb"] for w in s["memory_after"].values()), default=None)
        x_fw = loaded["p50_ms"] / fw if fw and loaded["p50_ms"] and name != "healthz" else None
        x_db = (
            alone["p50_ms"] / floor["p50_ms"]
            if floor and floor["p50_ms"] and alone["p50_ms"]
            else None
        )
        label = s["label"] + (" (warm-up requests only)" if loaded.get("warm_up_only") else "")
        lines.append(
            f"| {label} | {fmt(loaded['p50_ms'])} | {fmt(loaded['p95_ms'])} "
            f"| {fmt(loaded['p99_ms'])} | {fmt(loaded['rps'])} | {loaded['errors']} "
            f"| {fmt(alone['p50_ms'])} | {fmt(floor['p50_ms'] if floor else None, 2)} "
            f"| {fmt(x_fw)} | {fmt(x_db)} | {fmt(peak, 0)} |"
        )
    if "mixed" in result:
        mx = result["mixed"]
        a = mx["all"]
        peak = max((w["peak_mb"] for w in mx["memory_after"].values()), default=None)
        lines.append(
            f"| **mixed traffic** (weights {', '.join(f'{k} {v}' for k, v in mx['weights'].items())}) "
            f"| {fmt(a['p50_ms'])} | {fmt(a['p95_ms'])} | {fmt(a['p99_ms'])} "
            f"| **{fmt(a['rps'])}** | {a['errors']} | | | | | {fmt(peak, 0)} |"
        )
    mem = result["memory_end"]
    lines += [
        "",
        "× framework floor: the scenario's p50 under load over /healthz's p50 under the same "
        "load. × DB floor: the one-client p50 over the database floor's p50 (both without "
        "queueing). Worker peak MB: the largest VmHWM of the gunicorn workers after the scenario "
        "(it only grows).  ",
        "Peak memory per worker at the end: "
        + ", ".join(
            f"{fmt(w['peak_mb'], 0)} MB (RSS now {fmt(w['rss_mb'], 0)} MB)" for w in mem.values()
        )
        + ".",
    ]
    if "mixed" in result:
        lines += [
            "",
            "Mixed traffic by kind:",
            "",
            "| kind | requests | p50 ms | p95 ms | errors |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for kind, s in sorted(result["mixed"]["by_kind"].items()):
            lines.append(
                f"| {kind} | {s['requests']} | {fmt(s['p50_ms'])} | {fmt(s['p95_ms'])} | {s['errors']} |"
            )
    if result["errors_seen"]:
        lines += [
            "",
            "First errors seen (warm-up and one-client phases included; a keep-alive connection gunicorn closed while idle shows here as a disconnect):",
            "",
        ] + [f"- {e}" for e in result["errors_seen"][:10]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="bench/run",
        description="Benchmark a generated Stretch company: latency, throughput, floors, memory.",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="postgres://… or sqlite:///path (default: DATABASE_URL, else the SQLite database "
        "of --data-dir)",
    )
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("STRETCH_DATA_DIR", str(ROOT / "data")),
        help="STRETCH_DATA_DIR of the company (default: STRETCH_DATA_DIR, else ./data)",
    )
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (20)")
    parser.add_argument("--duration", type=float, default=30, help="seconds per scenario (30)")
    parser.add_argument("--warmup", type=float, default=3, help="uncounted seconds first (3)")
    parser.add_argument(
        "--mix-duration",
        type=float,
        default=None,
        help="seconds of mixed traffic (= --duration; 0: none)",
    )
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (2)")
    parser.add_argument(
        "--threads", type=int, default=None, help="threads per worker (the server's default)"
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help="comma-separated, from: " + ", ".join(SCENARIOS),
    )
    parser.add_argument("--serial-requests", type=int, default=20, help="one-client requests (20)")
    parser.add_argument(
        "--floor-runs", type=int, default=30, help="runs of each database floor (30)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--out", default=None, help="result path without extension (default bench/results/DB-TIME)"
    )
    args = parser.parse_args()

    data_dir = Path(args.data_dir).resolve()
    spec = db_spec(args.database_url, data_dir)
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in scenarios if s not in LABELS]
    if unknown:
        raise SystemExit(f"bench: error: unknown scenario {unknown[0]!r}")
    if "healthz" in scenarios:  # the framework floor first
        scenarios.remove("healthz")
        scenarios.insert(0, "healthz")
    started = datetime.now().astimezone()
    name = args.out or str(
        HERE / "results" / f"{spec['vendor']}-{started.strftime('%Y%m%d-%H%M%S')}"
    )
    out = Path(name)
    out.parent.mkdir(parents=True, exist_ok=True)

    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    env = dict(os.environ)
    env["STRETCH_DATA_DIR"] = str(data_dir)
    env.setdefault("STRETCH_SECRET_KEY", secrets.token_urlsafe(40))
    env.pop("STRETCH_DEBUG", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    else:
        env.pop("DATABASE_URL", None)
    cmd = [
        str(STRETCH),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(args.workers),
    ]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    threads = args.threads or int(env.get("STRETCH_THREADS", "4"))
    server_log = out.with_suffix(".server.log")
    print(f"bench: starting {' '.join(cmd[1:])} (log: {server_log})", flush=True)
    with open(server_log, "w") as log:
        server = subprocess.Popen(
            cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True
        )
    try:
        wait_until_up(base, server, server_log)
        cfg = {
            "base_url": base,
            "db": spec,
            "clients": args.clients,
            "duration": args.duration,
            "warmup": args.warmup,
            "mix_duration": args.duration if args.mix_duration is None else args.mix_duration,
            "scenarios": scenarios,
            "serial_requests": args.serial_requests,
            "serial_seconds": 10,
            "floor_runs": args.floor_runs,
            "floor_seconds": 10,
            "seed": args.seed,
            "server_pid": server.pid,
            "partial_out": str(out.with_suffix(".partial.json")),
            "workers": args.workers,
            "threads": threads,
        }
        cfg_path = out.with_suffix(".config.json")
        cfg_path.write_text(json.dumps(cfg, indent=2))
        load_out = out.with_suffix(".load.json")
        subprocess.run(
            [str(PYTHON), str(HERE / "load.py"), "--config", str(cfg_path), "--out", str(load_out)],
            check=True,
            cwd=ROOT,
        )
        loaded = json.loads(load_out.read_text())
    except subprocess.CalledProcessError as error:
        raise SystemExit(f"bench: error: the load process failed ({error.returncode})") from None
    finally:
        server.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):  # the workers too, even a busy one
            os.killpg(server.pid, signal.SIGKILL)
    cfg.pop("db")
    result = {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine() | {"load_average_at_end": os.getloadavg()},
        "config": cfg,
        "database_url": args.database_url or f"sqlite:///{spec.get('path')}",
        **loaded,
    }
    result["machine"]["load_average_at_start"] = started_load
    out.with_suffix(".json").write_text(json.dumps(result, indent=2, default=str))
    for extra in (".config.json", ".load.json", ".partial.json"):
        out.with_suffix(extra).unlink(missing_ok=True)
    table = markdown(result)
    out.with_suffix(".md").write_text(table)
    print(table)
    print(f"bench: wrote {out.with_suffix('.json')} and {out.with_suffix('.md')}")


started_load = os.getloadavg()

if __name__ == "__main__":
    main()
