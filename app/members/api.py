"""REST resources for members: the directory, my profile, my personal API tokens."""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
from sqlalchemy import select

from app import policy
from app.api import ID, Blueprint, SelectPage, current_member
from app.api.auth import authenticated_by_token
from app.errors import Forbidden
from app.extensions import db
from app.members import services
from app.members.models import ApiToken
from app.members.schemas import (
    MemberQuerySchema,
    MemberSchema,
    MeSchema,
    NewTokenSchema,
    ProfileUpdateSchema,
    TokenCreateSchema,
    TokenSchema,
)

blp = Blueprint("members_api", __name__, description="Members of the cooperative")


@blp.route("")
class Members(MethodView):
    @blp.arguments(MemberQuerySchema, location="query")
    @blp.response(200, MemberSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, args):
        """The member directory, by name; filter with `q` (name or e-mail) and `status`."""
        policy.require(current_member(), "members.view")
        return services.directory_query(args.get("q", "").strip() or None, args.get("status"))


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeSchema)
    def get(self):
        """The calling member."""
        return current_member()

    # No body, or {}, changes nothing: the body is optional, as the fields are.
    @blp.arguments(ProfileUpdateSchema, required=False)
    @blp.response(200, MeSchema)
    def patch(self, changes):
        """Edit my profile: only the fields sent change; the same rules as the profile page."""
        member = current_member()
        policy.require(member, "profile.edit", member)
        if "language" in changes and changes["language"] is None:
            changes["language"] = ""  # the service reads None as "unchanged", "" as "the browser's"
        return services.update_profile(member, **changes)


@blp.route(f"/<{ID}:member_id>")
class MemberById(MethodView):
    @blp.response(200, MemberSchema)
    def get(self, member_id: int):
        """One member, as the directory shows them."""
        policy.require(current_member(), "members.view")
        return services.get_member(member_id)


@blp.route("/me/tokens")
class MyTokens(MethodView):
    @blp.response(200, TokenSchema(many=True))
    def get(self):
        """My personal API tokens, newest first, revoked ones included (never their secret)."""
        member = current_member()
        return db.session.scalars(
            select(ApiToken).where(ApiToken.member_id == member.id).order_by(ApiToken.created_at.desc(),
                                                                             ApiToken.id.desc())
        ).all()

    @blp.arguments(TokenCreateSchema)
    @blp.response(201, NewTokenSchema)
    def post(self, data):
        """Create a token; the response is the only time its secret is shown.

        Only from a browser session: a token may not create tokens, so a leaked one cannot
        leave behind others that outlive its revocation.
        """
        if authenticated_by_token():
            raise Forbidden(_("Create API tokens while signed in (profile page or session), not with a token."))
        secret, token = services.create_api_token(current_member(), data["name"])
        token.token = secret  # dumped once by NewTokenSchema, never stored
        return token


@blp.route(f"/me/tokens/<{ID}:token_id>")
class MyToken(MethodView):
    @blp.response(204)
    def delete(self, token_id: int):
        """Revoke one of my tokens (revoking it again changes nothing)."""
        services.revoke_api_token(current_member(), token_id)
