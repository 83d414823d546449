"""/healthz: is the database reachable, and Redis when configured. Says nothing secret."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from app.extensions import db

bp = Blueprint("health", __name__)


def check_database() -> str | None:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 — any failure means "down"; the type is the message
        db.session.rollback()
        return type(error).__name__
    return None


def redis_error(url: str, timeout: float = 1.0) -> str | None:
    """None when Redis answers a PING at this URL, else the error's type (never the URL: it may hold a password)."""
    from redis import Redis

    try:
        Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout).ping()
    except Exception as error:  # noqa: BLE001 — any failure means "down"; the type is the message
        return type(error).__name__
    return None


def check_redis() -> str | None:
    url = current_app.config.get("REDIS_URL")
    return redis_error(url) if url else None


@bp.route("/healthz")
def healthz():
    database_error = check_database()
    redis_error = check_redis()
    body = {
        "database": "ok" if database_error is None else f"down ({database_error})",
        "redis": "not configured" if not current_app.config.get("REDIS_URL")
        else ("ok" if redis_error is None else f"down ({redis_error})"),
    }
    healthy = database_error is None and redis_error is None
    body["status"] = "ok" if healthy else "degraded"
    return jsonify(body), 200 if healthy else 503
