"""`flask` commands: member import, the first administrator, the demo cooperative.

Commands run outside any request, so each one commits at its own boundary (pages rely
on the after_request hook for that). E-mails queued by a service leave after the commit.
"""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _

from app.errors import InvalidInput
from app.extensions import db
from app.members.models import MemberStatus, RoleKind

members_cli = AppGroup("members", help="Manage the cooperative's members.")


def register(app: Flask) -> None:
    from app.votes import cli as votes_cli

    app.cli.add_command(members_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    votes_cli.register(app)


def _fail(message: str) -> None:
    db.session.rollback()
    click.echo(message, err=True)
    raise SystemExit(1)


def _mail_note() -> str:
    if current_app.config.get("MAIL_SERVER"):
        return ""
    return " " + _("(MAIL_SERVER is not set: the e-mails were written to the log instead.)")


# --- flask members import FILE ------------------------------------------------------------------


@members_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--no-invite", is_flag=True, help="Create the members without e-mailing them an invitation.")
def import_command(file, no_invite: bool) -> None:
    """Import members from a CSV FILE (format: docs/import-format.md). All or nothing."""
    from app.members.importer import ImportRejected, import_csv

    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    # One byte over the limit is enough for the importer to refuse; no need to read a huge file.
    raw = file.read(limit + 1) if limit else file.read()
    try:
        report = import_csv(raw, recorded_by=None, send_invitations=not no_invite)
    except ImportRejected as rejected:
        for error in rejected.errors:
            if error.line is None:
                click.echo(_("File: %(message)s", message=error.message), err=True)
            elif error.column:
                click.echo(_("Line %(line)d, column “%(column)s”: %(message)s", line=error.line,
                             column=error.column, message=error.message), err=True)
            else:
                click.echo(_("Line %(line)d: %(message)s", line=error.line, message=error.message), err=True)
        _fail(_("Nothing was imported (%(n)d problems).", n=len(rejected.errors)))
    db.session.commit()
    click.echo(_("%(n)d members imported.", n=report.created))
    if not no_invite:
        click.echo(_("%(n)d invitations sent.", n=report.invited) + _mail_note())


# --- flask members create-admin EMAIL "FULL NAME" ---------------------------------------------------


@members_cli.command("create-admin")
@click.argument("email")
@click.argument("full_name")
@click.option("--status", type=click.Choice([s.value for s in MemberStatus if s.is_active]), default="es",
              show_default=True,
              help="The administrator's status in the cooperative; the shared admin post need not be an associate.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]), default=None,
              help="Date the status started (default: today).")
@click.option("--shares", type=int, default=0, show_default=True, help="Shares held (at least 1 for an associate).")
def create_admin_command(email: str, full_name: str, status: str, since, shares: int) -> None:
    """Create the first administrator of a fresh install and invite them."""
    from app.members import services
    from app.timeutil import local_today

    today = local_today()
    since = since.date() if since else today
    if since > today:
        _fail(_("The status must have started by today (%(today)s), or the administrator could not sign in.",
                today=today.isoformat()))
    try:
        member = services.create_member(email=email, full_name=full_name, status=status, status_since=since,
                                        shares=shares)
        services.assign_role(member, RoleKind.ADMINISTRATOR, today, note="flask members create-admin")
        services.send_invitation(member)
    except InvalidInput as error:
        details = [message for messages in error.fields.values() for message in messages]
        if "shares" in error.fields:
            details.append(_("Give the number with --shares."))
        _fail(" ".join([error.message, *details]))
    link = services.external_url("members.accept_invitation",
                                 token=services.make_link_token(member, "invitation"))
    db.session.commit()
    click.echo(_("Administrator created: %(name)s <%(email)s>, %(status)s since %(since)s.", name=member.full_name,
                 email=member.email, status=status, since=since.isoformat()))
    click.echo(_("Invitation link, valid %(days)d days (also sent by e-mail):",
                 days=current_app.config["INVITATION_MAX_AGE_DAYS"]) + _mail_note())
    click.echo(link)


# --- flask demo -------------------------------------------------------------------------------------


@click.command("demo")
@click.option("--even-in-production", is_flag=True,
              help="Load the demo although FACETTES_CONFIG=production (a public demo server).")
@with_appcontext
def demo_command(even_in_production: bool) -> None:
    """Fill an empty database with the demo cooperative (Kaleido'Scop)."""
    from app.members import demo

    if os.environ.get("FACETTES_CONFIG") == "production" and not even_in_production:
        _fail(_("Refused: every demo account shares a published password, and this is a production "
                "configuration. Use --even-in-production for a public demo server."))
    try:
        members = demo.load_demo()
    except demo.DemoSkipped as skipped:
        db.session.rollback()
        if not skipped.already_loaded:
            click.echo(_("The database already holds members; the demo only fills an empty database. "
                         "Nothing changed."))
            return
        click.echo(_("The demo cooperative is already loaded; nothing changed."))
        _print_credentials()
        return
    db.session.commit()
    click.echo(_("Demo cooperative loaded: %(n)d members.", n=len(members)))
    _print_credentials()

    from app.members import services
    from app.timeutil import local_today

    today = local_today()
    co_managers = [m.email for m in members if m.has_role_on(RoleKind.CO_MANAGER, today)]
    near_deadline = [m.email for m in members
                     if (deadline := services.associate_deadline(m)) and deadline.warns_on(today)]
    former = [m.email for m in members if m.status_on(today) is MemberStatus.FORMER]
    click.echo(_("Co-managers: %(emails)s", emails=", ".join(co_managers)))
    click.echo(_("ES close to the deadline to become associate: %(emails)s", emails=", ".join(near_deadline)))
    click.echo(_("Former member, who cannot sign in: %(emails)s", emails=", ".join(former)))


def _print_credentials() -> None:
    from app.members import demo

    click.echo(_("Administrator: %(email)s", email=demo.ADMIN_EMAIL))
    click.echo(_("Every demo member signs in with the password: %(password)s", password=demo.DEMO_PASSWORD))


# --- flask backup FILE / flask restore FILE ----------------------------------------------------------


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(file: str) -> None:
    """Write a consistent copy of the whole database to FILE (docs/deploy.md, "Backups")."""
    from app import backup

    try:
        manifest = backup.backup(file)
    except backup.BackupError as error:
        _fail(error.message)
    click.echo(_("Backup written to %(file)s: %(rows)d rows in %(tables)d tables, revision %(revision)s.",
                 file=file, rows=manifest.total_rows, tables=len(manifest.tables), revision=manifest.revision))


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def restore_command(file: str) -> None:
    """Restore a backup FILE into an empty database migrated with `flask db upgrade`. All or nothing."""
    from app import backup

    try:
        manifest = backup.restore(file)
    except backup.BackupError as error:
        _fail(error.message + " " + _("Nothing was restored."))
    except Exception:
        # The restore's transaction has rolled back; say so beside the traceback.
        click.echo(_("The restore failed; nothing was restored."), err=True)
        raise
    click.echo(_("Restored from %(file)s: %(rows)d rows in %(tables)d tables, backed up at %(created_at)s "
                 "(revision %(revision)s).", file=file, rows=manifest.total_rows, tables=len(manifest.tables),
                 created_at=manifest.created_at, revision=manifest.revision))
