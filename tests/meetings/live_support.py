"""A real server for the meetings' live and browser tests (not a test module).

Like tests/live's ``live_server``, plus one repair: a second ``create_app`` in one process
builds a new Socket.IO server that only gets the handlers registered before the first
app existed (Flask-SocketIO keeps a list only of those). Handlers that domains register
later (the votes engine's ``vote``, the meetings' events, the projector namespace) are
copied from the previous server, as a single production app would have them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server

from app.extensions import db, socketio
from tests.live.conftest import WAIT, LiveServer, Members, dedicated_database, migrated_app, restored_socketio


@contextmanager
def serve(tmp_dir, name: str, **overrides) -> Iterator[LiveServer]:
    with restored_socketio(), dedicated_database(tmp_dir, name) as url:
        previous = socketio.server
        live_app = migrated_app(url, **overrides)
        if previous is not None:
            for namespace, handlers in previous.handlers.items():
                for event, handler in handlers.items():
                    if event not in socketio.server.handlers.get(namespace, {}):
                        socketio.server.on(event, handler, namespace=namespace)
        server = make_server("127.0.0.1", 0, live_app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name=f"{name}-server", daemon=True)
        thread.start()
        try:
            yield LiveServer(live_app, f"http://127.0.0.1:{server.socket.getsockname()[1]}", Members(live_app))
        finally:
            server.shutdown()
            thread.join(WAIT)
            with live_app.app_context():
                db.engine.dispose()
