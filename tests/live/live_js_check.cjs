// Drives app/static/js/live.js with the vendored socket.io client, in Node, against a test server.
// Usage: node --experimental-websocket live_js_check.cjs URL COOKIE OWN_ROOM WATCHED_ROOM
// Prints one JSON object per line; tests/live/test_live_js.py reads them.
"use strict";

const path = require("path");

const [url, cookie, ownRoom, watchedRoom] = process.argv.slice(2);
const root = path.resolve(__dirname, "..", "..");
const print = (step, data) => console.log(JSON.stringify({ step, ...data }));

// A browser sends the session cookie with the WebSocket handshake by itself; Node needs telling.
const NativeWebSocket = globalThis.WebSocket;
globalThis.WebSocket = class extends NativeWebSocket {
  constructor(address, protocols) {
    super(address, { protocols: protocols || [], headers: { cookie } });
  }
};
const io = require(path.join(root, "app/static/vendor/socket.io/socket.io.min.js"));
require(path.join(root, "app/static/js/live.js"));

const guard = setTimeout(() => {
  print("timeout", {});
  process.exit(2);
}, 20000);

const waitFor = (predicate) =>
  new Promise((resolve) => {
    const poll = setInterval(() => {
      if (predicate()) {
        clearInterval(poll);
        resolve();
      }
    }, 20);
  });

async function main() {
  const statuses = [];
  const states = [];
  const errors = [];
  const live = globalThis.FacettesLive.connect({
    url,
    io,
    transports: ["websocket"],
    reconnectionDelayMax: 500,
    onStatus: (status) => statuses.push(status),
    onError: (error, room) => errors.push({ code: error.code, room }),
  });

  print("own", { state: await live.join(ownRoom) });
  print("watched", { state: await live.join(watchedRoom, (state) => states.push(state)) });
  const refused = await live.join("member:0").then(
    () => null,
    (error) => ({ code: error.code, message: error.message })
  );
  print("refused", { error: refused, rooms: live.rooms() });
  const failed = await live.request("join", {}).then(
    () => null,
    (error) => ({ code: error.code })
  );
  print("request_error", { error: failed });

  // Changed without any event: only the snapshot after reconnection can tell the page.
  const watchedId = Number(watchedRoom.split(":")[1]);
  await live.request("test.rename", { id: watchedId, name: "Version 2" });
  live.socket.io.engine.close(); // the connection drops; socket.io reconnects by itself
  await waitFor(() => states.length >= 2);
  print("after_reconnect", { states, statuses, rooms: live.rooms(), errors });
  print("state", { state: await live.state(watchedRoom) });

  live.close();
  clearTimeout(guard);
  // Node's WebSocket would keep the process waiting for the closing handshake: nothing to learn there.
  process.exit(0);
}

main().catch((error) => {
  print("crash", { message: String(error && error.stack ? error.stack : error) });
  process.exit(1);
});
