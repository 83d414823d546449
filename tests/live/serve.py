"""One Facettes server process for the multi-process tests (not a test module).

Run as ``python tests/live/serve.py`` with LIVE_PORT, LIVE_DATABASE_URL, LIVE_REDIS_URL,
LIVE_CHANNEL and LIVE_NAME in the environment. It serves the real application, plus one
client event that exists only here: ``test.emit`` queues an ``emit_to`` in the event's
transaction (and can roll it back), so a test can make *this* process emit.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
os.environ.setdefault("FACETTES_CONFIG", "testing")

from app import create_app, live  # noqa: E402
from app.errors import Conflict  # noqa: E402
from app.extensions import socketio  # noqa: E402

NAME = os.environ.get("LIVE_NAME", "server")


@live.on("test.emit")
def test_emit(member, data):
    live.emit_to(data["room"], data["event"], {**data.get("payload", {}), "from": NAME})
    if data.get("fail"):
        raise Conflict("Rolled back on purpose.")
    return {"process": NAME}


def main() -> None:
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=os.environ["LIVE_DATABASE_URL"],
        REDIS_URL=os.environ["LIVE_REDIS_URL"],
        SOCKETIO_CHANNEL=os.environ["LIVE_CHANNEL"],
        LIVE_GROUP_COMMIT=True,
    )
    assert socketio.async_mode == "threading"
    socketio.run(
        app,
        host="127.0.0.1",
        port=int(os.environ["LIVE_PORT"]),
        allow_unsafe_werkzeug=True,
        use_reloader=False,
        log_output=False,
    )


if __name__ == "__main__":
    main()
