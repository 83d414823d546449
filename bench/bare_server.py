"""The bare reference for bench/live_vote.py: a Flask-SocketIO server that only counts and broadcasts.

Same async mode as Facettes in production (gevent), same events and payload shapes, no
database, no session, no policy. `join` {"room": "ballot:<id>"} joins the room; `vote`
{"ballot", "choice": {"choice": ...}, "key"} adds one to a counter and acks a receipt-like
dict; a `ballot_update` with the counts goes to the room with the same coalescing as
Facettes (app/live/coalesce.py): the first change after a quiet period at once, then at
most one per 250 ms, so both servers send the same number of broadcasts.

    .venv/bin/python bench/bare_server.py --port 5001 --electorate 1000
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import gc  # noqa: E402
import logging  # noqa: E402
import secrets  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402

INTERVAL = 0.25  # Facettes' VOTES_LIVE_INTERVAL default (app/votes/events.py)

app = Flask(__name__)
socketio = SocketIO(app, async_mode="gevent")
counts: Counter = Counter()
state = {"electorate": 0, "version": 0, "pending": False, "last": -1e9}


def payload(ballot: int) -> dict:
    return {"ballot": ballot, "version": state["version"], "state": "open", "visibility": "live",
            "turnout": {"electorate": state["electorate"], "voted": sum(counts.values())},
            "tally": {"counts": dict(counts)}, "final": False}


def broadcast(ballot: int) -> None:
    # One task per burst, as the Coalescer: wait out the interval, then send the latest counts.
    while True:
        due = state["last"] + INTERVAL
        socketio.sleep(max(0.0, due - time.monotonic()))
        now = time.monotonic()
        # On the beat, as app.live.coalesce.on_the_beat: a late wake-up does not delay later sends.
        state["pending"], state["last"] = False, due if now - due < INTERVAL / 2 else now
        socketio.emit("ballot_update", payload(ballot), to=f"ballot:{ballot}")
        if not state["pending"]:
            state["task"] = None
            return


@socketio.on("join")
def on_join(data):
    join_room(data["room"])
    return {"ok": True, "room": data["room"], "state": payload(int(data["room"].split(":")[1]))}


@socketio.on("vote")
def on_vote(data):
    counts[data["choice"]["choice"]] += 1
    state["version"] += 1
    state["pending"] = True
    if state.get("task") is None:
        state["task"] = socketio.start_background_task(broadcast, data["ballot"])
    return {"ok": True, "ballot": data["ballot"], "receipt": secrets.token_hex(8), "repeated": False,
            "replaced": False}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--electorate", type=int, required=True)
    args = parser.parse_args()
    state["electorate"] = args.electorate
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # The garbage collector settled as Facettes' serving processes settle it (app/runtime.py,
    # GC_THRESHOLDS' default): both servers run with the same runtime settings.
    gc.collect()
    gc.freeze()
    gc.set_threshold(20000, 5, 20)
    socketio.run(app, host="127.0.0.1", port=args.port, log_output=False)
