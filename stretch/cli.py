"""The `stretch` command: run, set up and look after a Stretch installation.

Every subcommand honours DATABASE_URL and the other variables documented in settings.py.
"""

import argparse
import os
import sys


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stretch.settings")
    import django

    django.setup()


def _migrate(verbosity: int = 1) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def cmd_migrate(args) -> None:
    _migrate(verbosity=1)


def _collect_static() -> None:
    """Copy static files, with content-hashed names, where the server reads them."""
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def cmd_serve(args) -> None:
    _migrate(verbosity=0)
    _collect_static()
    if args.demo:
        _load_demo(args.host, args.port)
    from django.db import connections

    connections.close_all()  # gunicorn forks workers: each must open its own connection
    from gunicorn.app.base import BaseApplication

    from stretch.wsgi import application

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("threads", args.threads)
            self.cfg.set("accesslog", "-" if args.access_log else None)
            self.cfg.set("timeout", 60)

        def load(self):
            return application

    print(f"Stretch is serving on http://{args.host}:{args.port}/ (Ctrl+C stops it)", flush=True)
    Server().run()


def _load_demo(host: str, port: int) -> None:
    from stretch import demo

    created = demo.load()
    if created:
        print(f"Loaded the demo company ({created} records).")
    else:
        print("The demo company is already loaded; nothing changed.")
    print(
        f"Log in at http://{host}:{port}/ as {demo.LOGIN} with password "
        f"{demo.PASSWORD} (or as any demo person, e.g. {', '.join(demo.OTHER_LOGINS)}; "
        f"{demo.ADMIN} is an administrator).",
        flush=True,
    )


def cmd_demo(args) -> None:
    _migrate(verbosity=0)
    _load_demo(args.host, args.port)


def cmd_token(args) -> None:
    _migrate(verbosity=0)
    from django.contrib.auth import get_user_model

    from stretch.org.services import issue_token

    user = get_user_model().objects.filter(username=args.username, is_active=True).first()
    if user is None:
        raise SystemExit(f"stretch token: error: no active user named {args.username!r}")
    print(issue_token(user, name=args.name, scope=args.scope))


def cmd_import_org(args) -> None:
    _migrate(verbosity=0)
    from stretch.transfer.orgchart import run_command

    run_command(args.file, dry_run=args.dry_run)


def cmd_import_okrs(args) -> None:
    _migrate(verbosity=0)
    from stretch.transfer.okr_import import run_command

    run_command(args.file, dry_run=args.dry_run, cycle=args.cycle)


def cmd_export(args) -> None:
    _migrate(verbosity=0)
    from stretch.transfer.workspace import export_command

    export_command(args.file)


def cmd_import(args) -> None:
    _migrate(verbosity=0)
    from stretch.transfer.workspace import import_command

    import_command(args.file)


def cmd_generate(args) -> None:
    _migrate(verbosity=0)
    from stretch.synthetic.generate import generate_command

    generate_command(people=args.people, seed=args.seed, today=args.today)


def cmd_backup(args) -> None:
    from stretch.transfer.backup import backup_command

    backup_command(args.file)


def cmd_createuser(args) -> None:
    _migrate(verbosity=0)
    from stretch.org.services import create_person

    create_person(
        args.username,
        email=args.email or "",
        password=args.password,
        admin=args.admin,
        display_name=args.name or "",
    )
    role = "administrator" if args.admin else "user"
    print(f"Created {role} {args.username}.")


def cmd_remind(args) -> None:
    _migrate(verbosity=0)
    from stretch.social.tasks import rhythm_pass

    done = rhythm_pass()
    print(
        f"Moved {done['cycles_moved']} cycles on by their dates, sent "
        f"{done['reminders_sent']} check-in reminders and {done['digests_sent']} weekly digests."
    )


def _run_queued_tasks() -> int:
    """Run every background task waiting now, then return how many ran."""
    import signal

    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    waiting = set(DBTaskResult.objects.ready().values_list("id", flat=True))
    # The worker installs its own Ctrl+C handlers; a one-off run gives the caller theirs back.
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    return DBTaskResult.objects.filter(id__in=waiting).exclude(status="READY").count()


def _schedule_forever(interval: int, stop) -> None:
    """The worker's scheduler thread: keeps the next rhythm pass queued."""
    import logging

    from django.db import connections

    from stretch.social.tasks import schedule_rhythm
    from stretch.webhooks.tasks import schedule_sweep

    tick = max(1, min(interval, 30))
    while not stop.is_set():
        try:
            schedule_rhythm(interval=interval)
            schedule_sweep()  # webhook deliveries whose task was lost, or is late
        except Exception:  # a database hiccup: try again at the next tick
            logging.getLogger("stretch.worker").exception("Could not queue the rhythm pass")
        finally:
            connections.close_all()
        stop.wait(tick)


def cmd_worker(args) -> None:
    if args.interval is not None and args.interval < 1:
        raise ValueError("--interval must be at least 1 second")
    _migrate(verbosity=0)
    if args.once:
        ran = _run_queued_tasks()
        print(f"Ran {ran} queued task{'' if ran == 1 else 's'}.")
        return
    import threading

    from django.conf import settings
    from django.core.management import call_command

    interval = args.interval or settings.STRETCH_RHYTHM_INTERVAL
    stop = threading.Event()
    scheduler = threading.Thread(
        target=_schedule_forever, args=(interval, stop), name="rhythm-scheduler", daemon=True
    )
    scheduler.start()
    print(
        f"Stretch worker: running queued tasks, and the rhythm every {interval} seconds "
        "(Ctrl+C stops it).",
        flush=True,
    )
    try:
        call_command("db_worker", reload=False, verbosity=1)
    finally:
        stop.set()


def cmd_manage(args) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["stretch manage", *args.arguments])


def _date_argument(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (write it YYYY-MM-DD)") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stretch", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, text: str) -> argparse.ArgumentParser:
        # `stretch NAME --help` opens with what the command does, as `stretch --help` lists it.
        return commands.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")

    p = command("migrate", "create or upgrade the database tables")
    p.set_defaults(func=cmd_migrate)

    p = command("serve", "apply migrations, then serve the app with gunicorn")
    p.add_argument(
        "--host",
        default=os.environ.get("STRETCH_HOST", "127.0.0.1"),
        help="address to listen on (default 127.0.0.1, or STRETCH_HOST)",
    )
    p.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("STRETCH_PORT", "8000")),
        help="port to listen on (default 8000, or STRETCH_PORT)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("STRETCH_WORKERS", "2")),
        help="worker processes (default 2, or STRETCH_WORKERS)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("STRETCH_THREADS", "4")),
        help="threads per worker (default 4, or STRETCH_THREADS)",
    )
    p.add_argument("--access-log", action="store_true", help="log every request to stdout")
    p.add_argument(
        "--demo", action="store_true", help="load the demo company first (safe to run again)"
    )
    p.set_defaults(func=cmd_serve)

    p = command("demo", "load the demo company (safe to run again)")
    p.add_argument("--host", default="127.0.0.1", help="host to print in the login URL")
    p.add_argument("--port", type=int, default=8000, help="port to print in the login URL")
    p.set_defaults(func=cmd_demo)

    p = command("token", "print a new personal API token for a user")
    p.add_argument("username", help="whose token it is")
    p.add_argument("--name", default="", help="a label to recognise the token by")
    p.add_argument(
        "--scope",
        choices=["read", "write"],
        default="write",
        help="read: GET only; write: read and change (default)",
    )
    p.set_defaults(func=cmd_token)

    p = command("import-org", "import people, teams and memberships from a CSV org chart")
    p.add_argument("file", help="the CSV file (see the README for its columns)")
    p.add_argument(
        "--dry-run", action="store_true", help="check the whole file and report; write nothing"
    )
    p.set_defaults(func=cmd_import_org)

    p = command("import-okrs", "import objectives and key results from a CSV or XLSX file")
    p.add_argument("file", help="the CSV or XLSX file (see the README for its columns)")
    p.add_argument(
        "--dry-run", action="store_true", help="check the whole file and report; write nothing"
    )
    p.add_argument(
        "--cycle", default=None, help="cycle name or id for rows that name none (default: active)"
    )
    p.set_defaults(func=cmd_import_okrs)

    p = command("export", "write the whole workspace as versioned JSON lines")
    p.add_argument("file", help="where to write it; - for standard output")
    p.set_defaults(func=cmd_export)

    p = command("import", "load a workspace export into an empty database")
    p.add_argument("file", help="a file written by `stretch export`; - for standard input")
    p.set_defaults(func=cmd_import)

    p = command("generate", "fill an empty database with a synthetic company (for benchmarks)")
    p.add_argument("--people", type=int, required=True, help="how many people (e.g. 10000)")
    p.add_argument("--seed", type=int, default=1, help="the same seed gives the same company")
    p.add_argument(
        "--today",
        type=_date_argument,
        default=None,
        help="the day the company is generated as of, YYYY-MM-DD (default: today)",
    )
    p.set_defaults(func=cmd_generate)

    p = command("backup", "make a consistent online copy of the embedded SQLite database")
    p.add_argument("file", help="where to write the copy")
    p.set_defaults(func=cmd_backup)

    p = command("createuser", "create a person who can log in")
    p.add_argument("username", help="the name they log in with")
    p.add_argument("--email", help="their email address")
    p.add_argument("--password", help="without it, the person cannot log in yet")
    p.add_argument("--name", help="display name")
    p.add_argument("--admin", action="store_true", help="make them an administrator")
    p.set_defaults(func=cmd_createuser)

    p = command("remind", "run one pass of the rhythm now: phases, reminders, digests (for cron)")
    p.set_defaults(func=cmd_remind)

    p = command("worker", "run background tasks, and the rhythm on a schedule")
    p.add_argument(
        "--once", action="store_true", help="run the tasks waiting now, then exit (no schedule)"
    )
    p.add_argument(
        "--interval",
        type=int,
        default=None,
        help="seconds between rhythm passes (default STRETCH_RHYTHM_INTERVAL, 900)",
    )
    p.set_defaults(func=cmd_worker)

    p = command("manage", "run a Django management command")
    p.add_argument("arguments", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _setup_django()
        args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # one clear line instead of a traceback
        from django.core.exceptions import ValidationError

        if isinstance(error, ValidationError) and hasattr(error, "message_dict"):
            message = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
        elif isinstance(error, ValidationError):
            message = " ".join(error.messages)
        else:
            message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        print(f"stretch {args.command}: error: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
