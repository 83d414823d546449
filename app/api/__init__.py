"""REST API under /api/v1 (flask-smorest): resources live in their domain packages.

A resource module creates ``blp = Blueprint(...)`` with ``app.api.Blueprint`` (it carries
the pagination convention) and is registered below. Everything under /api/ requires an
authenticated, active member unless marked ``@public``; errors share one JSON shape
(app/api/errors.py). docs/api.md is the guide for API users.
"""

from __future__ import annotations

from copy import deepcopy

from flask import Flask

from app.api.auth import authenticate_api_request, current_member, public
from app.api.errors import ErrorSchema
from app.api.pagination import ID, Blueprint, SelectPage
from app.api.spec import DESCRIPTION, SECURITY_SCHEMES, ErrorResponsesPlugin
from app.extensions import api, login_manager

__all__ = ["ID", "Blueprint", "SelectPage", "current_member", "init_api", "public"]


def init_api(app: Flask) -> None:
    # Swagger UI is served from our own static files (scripts/vendor-assets.sh), never a CDN.
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", f"{app.static_url_path}/vendor/swagger-ui/")
    # Swagger UI would otherwise send the document to validator.swagger.io.
    app.config.setdefault("OPENAPI_SWAGGER_UI_CONFIG", {"validatorUrl": None})

    api.ERROR_SCHEMA = ErrorSchema
    api.init_app(app, spec_kwargs={
        "info": {"description": DESCRIPTION},
        "security": [{"bearerAuth": []}, {"cookieAuth": []}],
        "extra_plugins": [ErrorResponsesPlugin()],
    })
    schemes = deepcopy(SECURITY_SCHEMES)
    schemes["cookieAuth"]["name"] = app.config.get("SESSION_COOKIE_NAME", "session")
    for name, scheme in schemes.items():
        api.spec.components.security_scheme(name, scheme)

    from app.api.meta import blp as meta_blp
    from app.deliberation.api import blp as deliberation_blp
    from app.meetings.api import blp as meetings_blp
    from app.members.api import blp as members_blp
    from app.votes.api import blp as ballots_blp
    from app.votes.api import proxies_blp
    from app.workgroups.api import blp as workgroups_blp

    # Documenting reads the configuration (the maximum page size), hence the app context.
    with app.app_context():
        api.register_blueprint(meta_blp, url_prefix="/api/v1")
        api.register_blueprint(members_blp, url_prefix="/api/v1/members")
        api.register_blueprint(meetings_blp, url_prefix="/api/v1/meetings")
        api.register_blueprint(deliberation_blp, url_prefix="/api/v1")
        api.register_blueprint(ballots_blp, url_prefix="/api/v1/ballots")
        api.register_blueprint(proxies_blp, url_prefix="/api/v1/proxies")
        api.register_blueprint(workgroups_blp, url_prefix="/api/v1/workgroups")

    app.before_request(authenticate_api_request)

    @login_manager.request_loader
    def load_member_from_token(request):
        # Outside /api/ (e.g. a Socket.IO client), a Bearer token identifies its member too;
        # under /api/, authenticate_api_request has already decided, token before session.
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        from app.members.services import member_from_api_token

        return member_from_api_token(header.removeprefix("Bearer ").strip())
