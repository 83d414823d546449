"""Pages: sign-in, invitations, password reset, directory, member pages, profile."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app import policy
from app.errors import InvalidInput
from app.extensions import db, limiter
from app.live import revocation as live_revocation
from app.members import services
from app.members.forms import (
    EmailForm,
    NewMemberForm,
    NewPasswordForm,
    ProfileForm,
    RoleForm,
    SharesForm,
    SignInForm,
    StatusForm,
    TokenForm,
)
from app.members.models import ApiToken, Member
from app.pagination import Page, paginate
from app.timeutil import local_today

bp = Blueprint("members", __name__, template_folder="../templates")


def show_errors(form, error: InvalidInput) -> None:
    """Put a service's field errors next to the fields; the rest goes to a flash message."""
    unplaced = []
    for name, messages in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + list(messages)
        else:
            unplaced.extend(messages)
    flash(" ".join([error.message, *unplaced]), "error")


def safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a phishing link borrow our sign-in page.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.home")


def sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def email_link_limit() -> str:
    return current_app.config["EMAIL_LINK_RATE_LIMIT"]


def sign_in_address_limit() -> str:
    return current_app.config["SIGN_IN_ADDRESS_RATE_LIMIT"]


def invitation_limit() -> str:
    return current_app.config["INVITATION_RATE_LIMIT"]


def address_and_email() -> str:
    # Per account and address: guessing one member's password is slowed, the other members
    # signing in from the same address (an assembly's Wi-Fi) are not.
    return f"{get_remote_address()}:{request.form.get('email', '').strip().lower()[:254]}"


def signed_in_member() -> str:
    return f"member:{current_user.get_id()}" if current_user.is_authenticated else get_remote_address()


def too_many_attempts() -> str:
    return _("Too many attempts. Wait a minute and try again.")


def too_many_links() -> str:
    return _("Too many requests for an e-mail link. Wait a few minutes and try again.")


def too_many_invitations() -> str:
    return _("Too many invitations sent in a short time. Wait a minute and try again.")


# --- sign-in ---------------------------------------------------------------------------


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(sign_in_limit, methods=["POST"], key_func=address_and_email, error_message=too_many_attempts)
@limiter.limit(sign_in_address_limit, methods=["POST"], error_message=too_many_attempts)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.home"))
    form = SignInForm()
    if form.validate_on_submit():
        member = services.authenticate(form.email.data, form.password.data)
        if member is not None:
            login_user(member)
            live_revocation.session_started()
            session.pop("lang", None)
            return redirect(safe_next(request.args.get("next")))
        flash(_("E-mail address or password incorrect."), "error")
        return render_template("members/sign_in.html", form=form), 401
    return render_template("members/sign_in.html", form=form)


@bp.route("/deconnexion", methods=["POST"])
def sign_out():
    if not current_user.is_anonymous:
        live_revocation.session_ended(current_user.id)
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("members.sign_in"))


@bp.route("/langue", methods=["POST"])
def choose_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            services.update_profile(current_user, language=lang)
    return redirect(safe_next(request.form.get("next")))


# --- invitations and password reset --------------------------------------------------


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    try:
        member = services.member_from_link(token, "invitation", services.invitation_max_age())
        if member.activated_at is not None:
            raise services.InvalidLink(expired=False)
    except services.InvalidLink as invalid:
        return render_template("members/link_invalid.html", expired=invalid.expired, kind="invitation",
                               form=EmailForm()), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.accept_invitation(token, form.password.data, form.confirm.data)
        except InvalidInput as error:
            show_errors(form, error)
        else:
            login_user(member)
            live_revocation.session_started()
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(url_for("members.edit_profile"))
    return render_template("members/set_password.html", form=form, member=member, kind="invitation")


@bp.route("/invitation/nouvelle", methods=["POST"])
@limiter.limit(email_link_limit, error_message=too_many_links)
def request_invitation():
    form = EmailForm()
    if form.validate_on_submit():
        services.request_new_invitation(form.email.data)
    flash(_("If an invitation is pending for this address, a new link has been sent."), "info")
    return redirect(url_for("members.sign_in"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit(email_link_limit, methods=["POST"], error_message=too_many_links)
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(_("If an account uses this address, a reset link has been sent to it."), "info")
        return redirect(url_for("members.sign_in"))
    return render_template("members/forgot_password.html", form=form)


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        member = services.member_from_link(token, "reset", services.reset_max_age())
    except services.InvalidLink as invalid:
        return render_template("members/link_invalid.html", expired=invalid.expired, kind="reset",
                               form=EmailForm()), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data, form.confirm.data)
        except InvalidInput as error:
            show_errors(form, error)
        else:
            flash(_("Your password has been changed. You can sign in."), "success")
            return redirect(url_for("members.sign_in"))
    return render_template("members/set_password.html", form=form, member=member, kind="reset")


# --- home and directory ----------------------------------------------------------------


@bp.route("/membres")
@login_required
def directory():
    policy.require(current_user, "members.view")
    # Bounded as the proposal search is: SQLite refuses LIKE patterns over 50,000 characters (a 500).
    search = request.args.get("q", "").strip()[:200]
    status = request.args.get("statut", "").strip()
    try:
        page = paginate(services.directory_query(search, status or None))
    except InvalidInput as error:
        flash(error.message, "error")
        page, status = Page([], 1, 1, 0), ""
    return render_template("members/directory.html", members=page.items, page=page, search=search, status=status,
                           today=local_today())


@bp.route("/membres/<int:member_id>")
@login_required
def member_page(member_id: int):
    policy.require(current_user, "members.view")
    member = services.get_member(member_id)
    return render_template(
        "members/member.html",
        member=member,
        today=local_today(),
        deadline=services.associate_deadline(member),
        status_form=StatusForm(formdata=None),
        shares_form=SharesForm(formdata=None, shares=member.shares),
        role_form=_role_form(member, formdata=None),
    )


def _role_form(member: Member, **kwargs) -> RoleForm:
    form = RoleForm(**kwargs)
    others = db.session.scalars(select(Member).where(Member.id != member.id).order_by(Member.full_name))
    form.tutee_id.choices = [("", "—")] + [(str(m.id), m.full_name) for m in others]
    return form


# --- administration of members ---------------------------------------------------------


@bp.route("/membres/nouveau", methods=["GET", "POST"])
@login_required
@limiter.limit(invitation_limit, methods=["POST"], key_func=signed_in_member, error_message=too_many_invitations)
def new_member():
    policy.require(current_user, "members.manage")
    form = NewMemberForm()
    if request.method == "GET":
        form.status_since.data = local_today()
    if form.validate_on_submit():
        try:
            member = services.create_member(
                email=form.email.data,
                full_name=form.full_name.data,
                status=form.status.data,
                status_since=form.status_since.data,
                shares=form.shares.data,
                recorded_by=current_user,
            )
            services.send_invitation(member)
        except InvalidInput as error:
            show_errors(form, error)
        else:
            flash(_("%(name)s has been added and invited by e-mail.", name=member.full_name), "success")
            return redirect(url_for("members.member_page", member_id=member.id))
    status = 200 if request.method == "GET" else 422  # a valid POST has redirected already
    return render_template("members/new_member.html", form=form), status


def _admin_action(member_id: int, form, action) -> object:
    policy.require(current_user, "members.manage")
    member = services.get_member(member_id)
    if form.validate_on_submit():
        try:
            action(member, form)
        except InvalidInput as error:
            show_errors(form, error)
        else:
            return redirect(url_for("members.member_page", member_id=member.id))
    else:
        flash(_("Please correct the form."), "error")
    return render_template(
        "members/member.html",
        member=member,
        today=local_today(),
        deadline=services.associate_deadline(member),
        status_form=form if isinstance(form, StatusForm) else StatusForm(formdata=None),
        shares_form=form if isinstance(form, SharesForm) else SharesForm(formdata=None, shares=member.shares),
        role_form=form if isinstance(form, RoleForm) else _role_form(member, formdata=None),
    ), 422


@bp.route("/membres/<int:member_id>/statut", methods=["POST"])
@login_required
def record_status(member_id: int):
    def action(member, form):
        services.record_status(member, form.status.data, form.effective_on.data,
                               recorded_by=current_user, note=form.note.data or "")
        flash(_("Status recorded."), "success")

    return _admin_action(member_id, StatusForm(), action)


@bp.route("/membres/<int:member_id>/parts", methods=["POST"])
@login_required
def set_shares(member_id: int):
    def action(member, form):
        services.set_shares(member, form.shares.data)
        flash(_("Shares recorded."), "success")

    return _admin_action(member_id, SharesForm(), action)


@bp.route("/membres/<int:member_id>/roles", methods=["POST"])
@login_required
def assign_role(member_id: int):
    def action(member, form):
        tutee = services.get_member(int(form.tutee_id.data)) if (form.tutee_id.data or "").isdigit() else None
        services.assign_role(member, form.kind.data, form.starts_on.data, form.ends_on.data,
                             tutee=tutee, note=form.note.data or "")
        flash(_("Role recorded."), "success")

    member = db.session.get(Member, member_id)
    if member is None:
        abort(404)
    return _admin_action(member_id, _role_form(member), action)


@bp.route("/membres/<int:member_id>/invitation", methods=["POST"])
@login_required
@limiter.limit(invitation_limit, key_func=signed_in_member, error_message=too_many_invitations)
def resend_invitation(member_id: int):
    policy.require(current_user, "members.manage")
    member = services.get_member(member_id)
    services.send_invitation(member)
    flash(_("A new invitation has been sent to %(email)s.", email=member.email), "success")
    return redirect(url_for("members.member_page", member_id=member.id))


# --- my profile and my API tokens --------------------------------------------------------


@bp.route("/profil", methods=["GET", "POST"])
@login_required
def edit_profile():
    member = current_user
    form = ProfileForm(obj=member) if request.method == "GET" else ProfileForm()
    if request.method == "GET":
        form.skills.data = ", ".join(s.label for s in member.skills)
        form.themes.data = ", ".join(t.label for t in member.themes)
        form.language.data = member.language or ""
    if form.validate_on_submit():
        try:
            services.update_profile(member, full_name=form.full_name.data, bio=form.bio.data or "",
                                    language=form.language.data, skills=form.skills.data or "",
                                    themes=form.themes.data or "")
        except InvalidInput as error:
            show_errors(form, error)
        else:
            flash(_("Profile saved."), "success")
            return redirect(url_for("members.edit_profile"))
    return render_template("members/profile.html", form=form)


@bp.route("/profil/jetons", methods=["GET", "POST"])
@login_required
def api_tokens():
    form = TokenForm()
    new_secret = None
    if form.validate_on_submit():
        new_secret, _token = services.create_api_token(current_user, form.name.data)
        form = TokenForm(formdata=None)
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.member_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template("members/tokens.html", form=form, tokens=tokens, new_secret=new_secret)


@bp.route("/profil/jetons/<int:token_id>/revoquer", methods=["POST"])
@login_required
def revoke_api_token(token_id: int):
    services.revoke_api_token(current_user, token_id)
    flash(_("Token revoked."), "success")
    return redirect(url_for("members.api_tokens"))


# --- CSV import (the same importer serves `flask members import`) ------------------------


@bp.route("/membres/import", methods=["GET", "POST"])
@login_required
def import_members():
    from app.members import importer
    from app.members.forms import ImportForm
    from app.members.importer import ImportRejected, import_csv

    policy.require(current_user, "members.manage")
    form = ImportForm()
    rejected = None
    if form.validate_on_submit():
        # One byte more than the limit is enough to know the file is too large.
        limit = importer.import_limit()
        raw = form.file.data.read(limit + 1) if limit else form.file.data.read()
        try:
            report = import_csv(raw, recorded_by=current_user, send_invitations=True)
        except ImportRejected as error:
            rejected = error
        else:
            flash(_("%(n)d members imported, %(invited)d invited by e-mail.", n=report.created,
                    invited=report.invited), "success")
            return redirect(url_for("members.directory"))
    status = 422 if (rejected or form.errors) else 200
    if rejected and any(e.code == "too_large" for e in rejected.errors):
        status = 413
    return render_template("members/import.html", form=form, rejected=rejected, importer=importer), status


@bp.route("/membres/import/exemple.csv")
@login_required
def import_sample():
    from app.members.importer import sample_csv

    policy.require(current_user, "members.manage")
    return current_app.response_class(
        sample_csv(), mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="membres-exemple.csv"'},
    )
