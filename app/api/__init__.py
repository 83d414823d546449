"""REST API under /api/v1 (flask-smorest): resources live in their domain packages."""

from __future__ import annotations

from flask import Flask

from app.extensions import api, login_manager


def init_api(app: Flask) -> None:
    api.init_app(app)

    from app.members.api import blp as members_blp

    api.register_blueprint(members_blp, url_prefix="/api/v1/members")

    @login_manager.request_loader
    def load_member_from_token(request):
        # "Authorization: Bearer <token>": personal API tokens, created and revoked by members.
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        from app.members.services import member_from_api_token

        return member_from_api_token(header.removeprefix("Bearer ").strip())
