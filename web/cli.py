"""The `motcua` command: set up the database, load demo data, serve, manage users, dates."""
from __future__ import annotations

import os
import sys
from datetime import date, datetime
from pathlib import Path

import click

from engine.calendar import VN_TZ
from engine.clock import now
from engine.db import unit_of_work
from engine.errors import DomainError


def _app():
    from . import create_app
    return create_app()


def _sessions(app):
    return app.extensions["motcua.sessions"]


@click.group()
def main() -> None:
    """motcua: the one-stop shop's workflow application."""


@main.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema (Alembic)."""
    from engine.schema import upgrade
    app = _app()
    upgrade(app.extensions["motcua.engine"])
    click.echo(f"database ready: {app.extensions['motcua.engine'].url.render_as_string()}")


@main.command("demo-data")
def demo_data() -> None:
    """Load departments, users for every role, the procedures and dossiers in every state."""
    from engine.demo import DEMO_PASSWORD, load_demo
    app = _app()
    with unit_of_work(_sessions(app)) as session:
        users = load_demo(session, now())
    click.echo(f"demo data loaded; every demo user's password is {DEMO_PASSWORD}")
    for user in users:
        click.echo(f"  {user.username:<14} {', '.join(user.roles):<12} {user.full_name}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Web worker processes (gunicorn) [default: 1 on SQLite; on PostgreSQL "
                   "2 x CPUs + 1, at most 8]")
@click.option("--threads", type=click.IntRange(min=1), default=4, show_default=True,
              help="Threads per gunicorn worker (1: sync workers)")
def serve(host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve the web application: one process on SQLite, gunicorn workers on PostgreSQL.

    No web worker fires timers: run `motcua scheduler` beside it.
    """
    from engine.schema import pending_migrations
    app = _app()
    engine = app.extensions["motcua.engine"]
    if pending_migrations(engine):
        raise click.ClickException("the database schema is not up to date: run "
                                   "`motcua init-db` first (it upgrades, keeping the data)")
    postgres = engine.dialect.name == "postgresql"
    if workers is None:
        workers = min(2 * (os.cpu_count() or 1) + 1, 8) if postgres else 1
    if workers > 1 and not postgres:
        raise click.ClickException("several web workers need PostgreSQL (SQLite has one "
                                   "writer): serve with --workers 1 or set MOTCUA_DATABASE_URL")
    if workers == 1:
        from werkzeug.serving import run_simple
        click.echo(f"motcua is serving on http://{host}:{port}/ with 1 worker "
                   "(one process, threaded; Ctrl+C stops it)")
        run_simple(host, port, app, threaded=True, use_reloader=False)
        return
    engine.dispose()  # the workers open their own connections
    kind = "gthread" if threads > 1 else "sync"
    click.echo(f"motcua is serving on http://{host}:{port}/ with {workers} workers "
               f"(gunicorn, {kind}" + (f", {threads} threads each" if threads > 1 else "")
               + "; Ctrl+C stops it)")
    sys.stdout.flush()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}",
               "--workers", str(workers), "--worker-class", kind, "--threads", str(threads),
               "--access-logfile", "-", "web.wsgi:app"]
    os.execv(sys.executable, command)  # gunicorn's master takes over this process (signals)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--reset", is_flag=True, help="Delete the demo database and start again")
def demo(host: str, port: int, reset: bool) -> None:
    """Set up the database with demo data on first run, print the logins, and serve."""
    from sqlalchemy import func, select
    from werkzeug.serving import run_simple

    from engine.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
    from engine.models import User
    from engine.schema import upgrade
    app = _app()
    engine = app.extensions["motcua.engine"]
    if reset:
        _reset_sqlite(engine)
    upgrade(engine)
    with unit_of_work(_sessions(app)) as session:
        if session.execute(select(func.count()).select_from(User)).scalar_one() == 0:
            click.echo("loading demo data (procedures, users, dossiers in every state)...")
            load_demo(session, now())
    click.echo(f"\nmotcua demo: http://{host}:{port}/")
    click.echo(f"log in as any of these users, password {DEMO_PASSWORD}:")
    for user in DEMO_USERS[:7]:
        click.echo(f"  {user.username:<12} {', '.join(user.roles):<11} {user.full_name}")
    click.echo("  (specialists and heads of the other departments: cv.thuongmai, tp.thuongmai, "
               "cv.laodong, ...)\nCtrl+C stops the server.\n")
    from engine.scheduler import DEFAULT_INTERVAL, start_background
    scheduler = start_background(_sessions(app))
    click.echo(f"timers: a scheduler inside this demo process sweeps due timers every "
               f"{DEFAULT_INTERVAL} s (production runs `motcua scheduler` on its own)\n")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        scheduler.shutdown(wait=False)


def _reset_sqlite(engine) -> None:
    from pathlib import Path
    if engine.dialect.name != "sqlite" or not engine.url.database:
        raise click.ClickException("--reset only deletes an SQLite demo database")
    path = Path(engine.url.database)
    if path.exists():
        click.confirm(f"Delete {path} and every dossier in it?", abort=True)
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


@main.command()
@click.option("--interval", default=30, show_default=True, type=click.IntRange(min=1),
              help="Seconds between sweeps")
@click.option("--once", is_flag=True, help="Sweep once (every due timer) and exit")
@click.option("--batch", default=50, show_default=True, type=click.IntRange(min=1),
              help="Timers fired per transaction")
def scheduler(interval: int, once: bool, batch: int) -> None:
    """Fire due diagram timers: sweep now, then every INTERVAL seconds (its own process);
    every ten minutes, open the nonconformities of dossiers gone overdue.

    Several may run against PostgreSQL: each timer still fires once.
    """
    import logging

    from engine.scheduler import open_nonconformities, run_blocking, sweep
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    sessions = _sessions(_app())
    if once:
        report = sweep(sessions, batch=batch)
        click.echo(report.summary())
        opened = open_nonconformities(sessions, batch=batch)
        if opened:
            click.echo(f"{opened} nonconformities opened for dossiers gone overdue")
        for result in report.fired:
            click.echo(f"  fired {result.element_id} of {result.dossier_code}: due "
                       f"{result.fire_at.isoformat()}, {result.late_seconds:.0f} s late"
                       + (f", {result.effect}" if result.effect else ""))
        for result in report.failed:
            click.echo(f"  FAILED timer {result.timer_id} of {result.dossier_code}: "
                       f"{result.error}")
        if report.error or report.failed:
            sys.exit(1)
        return
    click.echo(f"motcua scheduler: sweeping due timers every {interval} s (Ctrl+C stops it)")
    run_blocking(sessions, interval=interval, batch=batch)


@main.command("create-user")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Full name")
@click.option("--role", "roles", multiple=True, required=True,
              help="one_stop, specialist, head, leader, quality, auditor, admin (repeatable)")
@click.option("--department", default=None, help="Department code")
@click.password_option()
def create_user_command(username, full_name, roles, department, password) -> None:
    """Create a user."""
    from engine.services.users import create_user
    app = _app()
    try:
        with unit_of_work(_sessions(app)) as session:
            create_user(session, None, now(), username=username, full_name=full_name,
                        password=password, roles=list(roles), department_code=department)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"user {username} created")


@main.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
def audit_verify() -> None:
    """Walk the hash chain; name the first event altered, removed or inserted (exit 1)."""
    from engine.audit_verify import verify_chain
    app = _app()
    with unit_of_work(_sessions(app)) as session:
        report = verify_chain(session)
    if report.intact:
        click.echo(f"audit trail intact: {report.checked} events verified")
        return
    click.echo(f"AUDIT TRAIL BROKEN: {report.problem} "
               f"({report.checked} events verified before it)", err=False)
    sys.exit(1)


@main.group()
def calendar() -> None:
    """Working-day calendar."""


@calendar.command("due")
@click.argument("received")
@click.argument("days", type=int)
@click.option("--calendar-days", is_flag=True, help="The law counts calendar days")
def calendar_due(received: str, days: int, calendar_days: bool) -> None:
    """Due date of a period of DAYS from RECEIVED (YYYY-MM-DD or YYYY-MM-DDTHH:MM, local)."""
    from engine.deadlines import business_calendar
    try:
        parsed = datetime.fromisoformat(received)
    except ValueError:
        raise click.BadParameter(f"{received!r} is not a date (YYYY-MM-DD[THH:MM])",
                                 param_hint="RECEIVED") from None
    if len(received) == 10:  # a bare date: received during office hours that day
        parsed = datetime.combine(date.fromisoformat(received), datetime.min.time()).replace(hour=9)
    if days < 1:
        raise click.BadParameter("must be at least 1", param_hint="DAYS")
    app = _app()
    with unit_of_work(_sessions(app)) as session:
        cal = business_calendar(session)
    due = cal.due(parsed.replace(tzinfo=parsed.tzinfo or VN_TZ), days, calendar_days=calendar_days)
    for line in cal.explain(due):
        click.echo(line)


@calendar.command("set")
@click.argument("day", metavar="DATE")
@click.argument("kind", metavar="off|work")
@click.option("--reason", required=True, help="Why: the announcement the change follows")
def calendar_set(day: str, kind: str, reason: str) -> None:
    """Make DATE (YYYY-MM-DD) a day off or a working day for the organisation."""
    from engine.services.calendar_days import set_day
    row = _calendar_change(lambda session: set_day(session, None, now(), day=day, kind=kind,
                                                   reason=reason))
    click.echo(f"{row.day.isoformat()} {row.kind}: {row.reason}")


@calendar.command("clear")
@click.argument("day", metavar="DATE")
def calendar_clear(day: str) -> None:
    """Remove the organisation's change of DATE: the national calendar applies again."""
    from engine.services.calendar_days import clear_day
    row = _calendar_change(lambda session: clear_day(session, None, now(), day=day))
    click.echo(f"{row.day.isoformat()}: organisation change removed")


@calendar.command("list")
@click.argument("year", type=int, required=False)
def calendar_list(year: int | None) -> None:
    """The YEAR's weekdays off and weekend days worked, national and the organisation's."""
    from engine.services.calendar_days import year_entries
    year = year or now().astimezone(VN_TZ).year
    app = _app()
    try:
        with unit_of_work(_sessions(app)) as session:
            entries = year_entries(session, year)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    for e in entries:
        reason = e.reason or "weekend day worked in exchange for a day off"
        if e.national_kind:
            reason += f" (national calendar: {e.national_kind}"
            reason += f", {e.national_reason})" if e.national_reason else ")"
        click.echo(f"{e.day.isoformat()} {e.day:%a} {e.kind:<4} {e.source:<12} {reason}")


def _calendar_change(change):
    app = _app()
    try:
        with unit_of_work(_sessions(app)) as session:
            return change(session)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None


@main.group()
def procedures() -> None:
    """The procedure library."""


@procedures.command("import")
@click.argument("directory", required=False,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
def procedures_import(directory: Path | None) -> None:
    """Add the procedures of DIRECTORY/catalog.json and the diagrams beside it (by default the
    shipped library). Each is added, skipped (its code exists) or refused with its problems;
    a refused one changes nothing. Exits with status 1 if any was refused."""
    from bpmn.catalog import LIBRARY
    from engine.services.procedures import import_library
    app = _app()
    try:
        with unit_of_work(_sessions(app)) as session:
            results = import_library(session, None, now(), directory or LIBRARY)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    for result in results:
        click.echo(f"{result.status:<8} {result.code:<12} {result.name}")
        if result.status == "refused":
            for problem in result.problems:
                click.echo(f"         {problem}")
    counts = {s: sum(r.status == s for r in results) for s in ("added", "skipped", "refused")}
    click.echo(", ".join(f"{n} {status}" for status, n in counts.items()))
    if counts["refused"]:
        sys.exit(1)


if __name__ == "__main__":
    sys.exit(main())
