"""Comment and sense-check pages."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup

from app import policy
from app.deliberation import services
from app.deliberation.forms import CommentForm, SenseCheckForm
from app.deliberation.views import bp
from app.deliberation.views.common import CommentView, member, refused_then_back
from app.errors import InvalidInput
from app.members.views import show_errors


def _page(proposal_id: int, **_ignored) -> str:
    return url_for("deliberation.proposal_page", proposal_id=proposal_id)


def _comment_page(comment_id: int, **_ignored) -> str:
    comment = services.get_comment(comment_id)
    return _page(comment.proposal_id) + f"#comment-{comment.id}"


@bp.route("/propositions/<int:proposal_id>/commentaires", methods=["POST"])
@login_required
@refused_then_back(_page)
def add_comment(proposal_id: int):
    proposal = services.get_proposal(proposal_id)
    form = CommentForm()
    if not form.validate_on_submit():
        abort(400)
    comment = services.add_comment(proposal, member(), form.body.data, form.stance.data, form.parent_id.data or None)
    return redirect(_page(proposal.id) + f"#comment-{comment.id}")


@bp.route("/commentaires/<int:comment_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_comment(comment_id: int):
    comment = services.get_comment(comment_id)
    policy.require(member(), "comments.edit", comment)
    form = CommentForm(formdata=None, body=comment.body, stance=comment.stance) if request.method == "GET" \
        else CommentForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.edit_comment(comment, member(), form.body.data, form.stance.data)
        except InvalidInput as error:
            show_errors(form, error)
        else:
            flash(_("Comment saved; its previous text stays in its history."), "success")
            return redirect(_page(comment.proposal_id) + f"#comment-{comment.id}")
    return render_template("deliberation/comment_edit.html", form=form, comment=comment), \
        200 if request.method == "GET" else 422


@bp.route("/commentaires/<int:comment_id>/retirer", methods=["POST"])
@login_required
@refused_then_back(_comment_page)
def withdraw_comment(comment_id: int):
    comment = services.get_comment(comment_id)
    services.withdraw_comment(comment, member())
    flash(_("Comment withdrawn; a trace stays in the discussion."), "success")
    return redirect(_page(comment.proposal_id) + f"#comment-{comment.id}")


@bp.route("/commentaires/<int:comment_id>/historique")
@login_required
def comment_history(comment_id: int):
    comment = services.get_comment(comment_id)
    edits = services.comment_history(comment, member())
    return render_template("deliberation/comment_history.html", comment=comment, edits=edits, Markup=Markup)


@bp.route("/commentaires/<int:comment_id>/fragment")
@login_required
def comment_fragment(comment_id: int):
    """One comment as the proposal page shows it, for the live page to insert."""
    comment = services.get_comment(comment_id)
    proposal = services.get_proposal(comment.proposal_id)
    policy.require(member(), "proposals.view", proposal)
    return render_template("deliberation/_comment.html", comment=comment, proposal=proposal, Markup=Markup,
                           reply=comment.parent_id is not None, v=CommentView(proposal))


@bp.route("/propositions/<int:proposal_id>/avis", methods=["POST"])
@login_required
@refused_then_back(_page)
def sense_check(proposal_id: int):
    proposal = services.get_proposal(proposal_id)
    form = SenseCheckForm()
    if not form.validate_on_submit():
        abort(400)
    if request.form.get("withdraw"):
        services.withdraw_sense_check(proposal, member())
        flash(_("Your sense check is withdrawn."), "success")
    else:
        services.give_sense_check(proposal, member(), form.opinion.data, form.reason.data or "")
        flash(_("Your sense check is recorded."), "success")
    return redirect(_page(proposal.id) + "#sense-checks")
