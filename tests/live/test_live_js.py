"""app/static/js/live.js with the vendored socket.io-client, run by Node against a real server.

Node stands in for the browser (its built-in WebSocket); skipped where Node has none.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from app.extensions import db
from app.members.models import Member
from tests.live.conftest import signed_in_session

pytestmark = pytest.mark.no_db_transaction

SCRIPT = Path(__file__).with_name("live_js_check.cjs")
NODE_FLAGS = ["--experimental-websocket"]


def node_with_websocket() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node is not installed")
    probe = subprocess.run([node, *NODE_FLAGS, "-e", "process.exit(typeof WebSocket === 'function' ? 0 : 1)"],
                           capture_output=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip("this Node has no built-in WebSocket")
    return node


def test_live_js_joins_reports_refusals_and_rejoins_after_a_drop(live_server, room_kind, client_event):
    node = node_with_websocket()

    def snapshot(member, target_id):
        return {"full_name": db.session.get(Member, target_id).full_name}

    room_kind("probe", action="members.view", loader=lambda id: db.session.get(Member, id), snapshot=snapshot)

    @client_event("test.rename")
    def rename(member, data):
        db.session.get(Member, data["id"]).full_name = data["name"]

    member = live_server.members.add(language="en")
    watched = live_server.members.add(name="Version 1")
    cookie = "session=" + signed_in_session(live_server.url, member).cookies["session"]
    own, probe = f"member:{member.id}", f"probe:{watched.id}"

    run = subprocess.run([node, *NODE_FLAGS, str(SCRIPT), live_server.url, cookie, own, probe],
                         capture_output=True, text=True, timeout=60)

    assert run.returncode == 0, run.stdout + run.stderr
    steps = {line["step"]: line for line in map(json.loads, run.stdout.splitlines())}
    assert steps["own"]["state"] is None
    assert steps["watched"]["state"] == {"full_name": "Version 1"}
    assert steps["refused"]["error"]["code"] == "invalid_input"
    assert steps["refused"]["rooms"] == [own, probe]  # a refused room is not joined again later
    assert steps["request_error"]["error"] == {"code": "invalid_input"}

    after = steps["after_reconnect"]
    assert after["states"] == [{"full_name": "Version 1"}, {"full_name": "Version 2"}]
    assert after["statuses"][0] == "connected" and after["statuses"][-1] == "connected"
    assert "reconnecting" in after["statuses"]
    assert after["rooms"] == [own, probe] and after["errors"] == []
    assert steps["state"]["state"] == {"full_name": "Version 2"}


def test_live_js_reports_a_refused_connection(live_server):
    node = node_with_websocket()
    script = f"""
      const io = require({json.dumps(str(Path(live_server.app.static_folder) / "vendor/socket.io/socket.io.min.js"))});
      require({json.dumps(str(Path(live_server.app.static_folder) / "js/live.js"))});
      const live = FacettesLive.connect({{url: {json.dumps(live_server.url)}, io, transports: ["websocket"],
        onStatus: (status, detail) => {{
          if (status === "refused") {{ console.log(JSON.stringify(detail)); process.exit(0); }}
        }}}});
      setTimeout(() => {{ console.log("timeout"); process.exit(2); }}, 20000).unref();
    """
    run = subprocess.run([node, *NODE_FLAGS, "-e", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    detail = json.loads(run.stdout.strip().splitlines()[-1])
    assert detail["code"] == "unauthenticated"
    assert detail["message"]
