"""Facettes: the decision and deliberation platform of a cooperative."""

from __future__ import annotations

import logging
import os

from flask import Flask, has_request_context, jsonify, render_template, request, session
from flask_babel import format_date
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app.extensions import babel, csrf, db, limiter, login_manager, mail, migrate, socketio
from config import CONFIGS, INSTANCE_DIR


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.url_map.converters["int"] = DatabaseIdConverter
    config_name = config_name or os.environ.get("FACETTES_CONFIG", "development")
    app.config.from_object(CONFIGS[config_name])
    app.config.update(overrides)
    os.makedirs(app.instance_path, exist_ok=True)
    check_production_settings(app, config_name)
    logging.basicConfig(level=logging.INFO)

    from app import models  # noqa: F401  (every model registered before anything queries)

    _import_socket_handlers()
    _init_extensions(app)
    _register_blueprints(app)
    _register_request_hooks(app)
    _register_error_handlers(app)
    from app.security import init_security_headers

    init_security_headers(app)
    _register_template_helpers(app)

    from app import cli

    cli.register(app)
    if app.config["TRUSTED_PROXIES"]:
        # Outermost, so Socket.IO's middleware and the rate limits see the member's address too.
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    return app


class DatabaseIdConverter(IntegerConverter):
    """<int:…> in every route, bounded like the INTEGER keys it names.

    A larger number cannot be a row: PostgreSQL refuses it in a query and SQLite overflows
    beyond 2^63, both a 500 where the answer is "no such page" (404).
    """

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _import_socket_handlers() -> None:
    # Flask-SocketIO replays on each new server only the handlers declared before the first
    # init_app; importing them all first keeps a second app (tests, workers) complete.
    from app import live  # noqa: F401
    from app.deliberation import events as deliberation_events  # noqa: F401
    from app.meetings import events as meetings_events  # noqa: F401
    from app.votes import events as votes_events  # noqa: F401
    from app.workgroups import events as workgroups_events  # noqa: F401


class ProductionSettingsError(RuntimeError):
    """A production server would start on a missing setting or a service it cannot reach."""


def check_production_settings(app: Flask, config_name: str) -> None:
    """Refuse to start a production server on development defaults or unreachable services, naming the setting.

    Checked at start-up rather than on the first request: a worker that cannot reach its
    database or its message queue would otherwise serve errors, or lose live events silently.
    """
    if config_name != "production":
        return
    missing = [name for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL") if not os.environ.get(name)]
    if missing:
        raise ProductionSettingsError(f"Production needs these settings in the environment: {', '.join(missing)}")
    # The URLs may hold passwords: the messages name the setting and the error's type only.
    database_error = _database_unreachable(app.config["SQLALCHEMY_DATABASE_URI"])
    if database_error:
        raise ProductionSettingsError(f"DATABASE_URL: the database cannot be reached ({database_error})")
    from app.health import redis_error

    redis_problem = redis_error(app.config["REDIS_URL"], timeout=5)
    if redis_problem:
        raise ProductionSettingsError(f"REDIS_URL: Redis cannot be reached ({redis_problem})")


def _database_unreachable(url: str) -> str | None:
    from sqlalchemy import create_engine, text

    try:
        connect_args = {"connect_timeout": 5} if url.startswith("postgresql") else {}
        engine = create_engine(url, connect_args=connect_args)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except Exception as error:  # noqa: BLE001 — any failure means unreachable; the type is the message
        return type(error).__name__
    return None


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "members.sign_in"
    login_manager.login_message = None
    mail.init_app(app)
    csrf.init_app(app)

    from app.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)

    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    # Flask-Limiter sets up its storage only when enabled at init: set it up always, then
    # apply the setting, so that a test (or an operator) can switch limits on later.
    enabled = app.config["RATELIMIT_ENABLED"]
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    limiter.enabled = app.config["RATELIMIT_ENABLED"] = enabled

    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config["REDIS_URL"],
        channel=app.config["SOCKETIO_CHANNEL"],
        # Same-origin only: the browser client is served by this application. None is Engine.IO's
        # same-origin check; an empty list would switch the Origin check off altogether.
        cors_allowed_origins=app.config.get("SOCKETIO_CORS_ORIGINS"),
        manage_session=False,
    )

    from sqlalchemy.orm import joinedload

    from app.members.models import Member

    @login_manager.user_loader
    def load_member(member_id: str):
        if not member_id.isdigit():
            return None
        # The status history comes with the member: every request and live event asks
        # whether the member is still active (policy, Flask-Login), one query instead of two.
        return db.session.get(Member, int(member_id), options=[joinedload(Member.status_changes)])


def _register_blueprints(app: Flask) -> None:
    from app.api import init_api
    from app.members.views import bp as members_bp
    from app.votes.views import bp as votes_bp

    app.register_blueprint(members_bp)
    app.register_blueprint(votes_bp)
    from app.health import bp as health_bp
    from app.home import bp as home_bp

    app.register_blueprint(home_bp)

    app.register_blueprint(health_bp)
    # Browsers ask for /favicon.ico whatever the page says; answer with the page's icon.
    app.add_url_rule("/favicon.ico", "favicon", lambda: app.send_static_file("img/facettes.svg"))
    csrf.exempt(health_bp)
    from app.deliberation.views import bp as deliberation_bp
    from app.notifications.views import bp as notifications_bp

    app.register_blueprint(deliberation_bp)
    app.register_blueprint(notifications_bp)
    from app.meetings.views import bp as meetings_bp

    app.register_blueprint(meetings_bp)
    from app.meetings.assembly.views import bp as assembly_bp

    app.register_blueprint(assembly_bp)
    from app.documents import bp as documents_bp

    app.register_blueprint(documents_bp)
    from app.workgroups.views import bp as workgroups_bp

    app.register_blueprint(workgroups_bp)
    init_api(app)



def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def protect_forms():
        # Personal API tokens are not sent automatically by a browser, so they need no CSRF token.
        if request.headers.get("Authorization", "").startswith("Bearer "):
            return
        if app.config["WTF_CSRF_ENABLED"]:
            csrf.protect()

    @app.before_request
    def refuse_nul_characters():
        # PostgreSQL cannot store a NUL and SQLite cuts strings at it (a title passed the services'
        # checks, then failed its CHECK constraint: a 500), and no keyboard types one: refuse it here.
        fields = sorted({name for source in (request.args, request.form) for name, value in source.items(multi=True)
                         if "\x00" in name or "\x00" in value})
        if fields:
            from flask_babel import gettext as _

            from app.errors import InvalidInput

            raise InvalidInput(
                _("The form contains a NUL character, which cannot be stored: remove it and send it again."),
                fields={name.replace("\x00", ""): [_("Contains a NUL character, which cannot be stored.")]
                        for name in fields})

    @app.after_request
    def commit_or_rollback(response):
        # The request boundary commits: services only flush, so a failed request changes nothing.
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, message: str, errors: dict | None = None, name: str | None = None):
    from http import HTTPStatus

    body = {"code": status, "status": name or HTTPStatus(status).phrase, "message": message}
    if errors:
        body["errors"] = errors
    return jsonify(body), status


def _register_error_handlers(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    from app.errors import DomainError

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        if wants_json():
            return json_error(error.status_code, error.message, error.fields)
        return render_template("error.html", code=error.status_code, message=error.message), error.status_code

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        from flask_babel import gettext as _

        message = _("The form expired or did not come from this site. Reload the page and try again.")
        if wants_json():
            from app.api.errors import http_error_response

            return http_error_response(error)
        return render_template("error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if wants_json():
            from app.api.errors import http_error_response

            return http_error_response(error)
        # Werkzeug's stock descriptions are English; the template has translated ones per code.
        custom = error.description if error.description != type(error).description else None
        return render_template("error.html", code=error.code, message=custom), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("Unexpected error")
        db.session.rollback()
        if wants_json():
            return json_error(500, "Internal error; it has been logged.")
        return render_template("error.html", code=500, message=None), 500


def _register_template_helpers(app: Flask) -> None:
    from app import policy
    from app.members.models import MemberStatus, RoleKind

    app.jinja_env.filters["date"] = lambda value, fmt="long": format_date(value, fmt) if value else ""
    from app.i18n import format_datetime

    app.jinja_env.filters["datetime"] = format_datetime  # flask_babel's, its patterns read once per locale

    @app.context_processor
    def globals_for_templates():
        from app.i18n import current_locale, role_label, status_label

        return {
            "can": lambda action, target=None: policy.can(current_user, action, target),
            "current_locale": current_locale(),
            "status_label": status_label,
            "role_label": role_label,
            "MemberStatus": MemberStatus,
            "RoleKind": RoleKind,
            "cooperative_name": app.config["COOPERATIVE_NAME"],
            "languages": app.config["LANGUAGES"],
            # E-mails are also rendered by CLI commands and jobs, outside any request.
            "session_lang": session.get("lang") if has_request_context() else None,
        }
