"""Socket.IO: connections authenticated from the session, rooms, emit helpers."""

from __future__ import annotations

from flask_login import current_user

from app.extensions import socketio


@socketio.on("connect")
def on_connect(auth=None):
    if not current_user.is_authenticated:
        return False
    return True
