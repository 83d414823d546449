"""A real server for the meetings' live and browser tests (not a test module)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server

from app.extensions import db
from tests.live.conftest import WAIT, LiveServer, Members, dedicated_database, migrated_app, restored_socketio


@contextmanager
def serve(tmp_dir, name: str, **overrides) -> Iterator[LiveServer]:
    with restored_socketio(), dedicated_database(tmp_dir, name) as url:
        live_app = migrated_app(url, **overrides)
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
