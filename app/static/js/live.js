/*
 * Facettes live channel: one Socket.IO connection per page.
 *
 * Rooms are joined with an acknowledgement that carries their current state; after every
 * reconnection the rooms are joined again and their state delivered again, so a page never
 * depends on having seen every event. Load /static/vendor/socket.io/socket.io.min.js first.
 *
 *   var live = FacettesLive.connect({ onStatus: function (status, detail) { ... } });
 *   live.join("ballot:4", function (state) { render(state); }).catch(showError);
 *   live.on("ballot.tally", function (payload) { ... });
 *   live.request("ballot.vote", { choice: 2 }).then(...).catch(function (err) { err.code, err.message });
 *
 * Protocol: docs/live.md.
 */
(function (root) {
  "use strict";

  var ACK_TIMEOUT_MS = 10000;

  function liveError(code, message, fields) {
    var error = new Error(message || code);
    error.code = code;
    error.fields = fields || {};
    return error;
  }

  function connect(options) {
    options = options || {};
    var io = options.io || root.io;
    if (typeof io !== "function") {
      throw new Error("socket.io.min.js must be loaded before live.js");
    }
    var socket = io(options.url || "/", {
      // WebSocket first: one long connection needs no sticky sessions between workers;
      // long-polling remains as a fallback where WebSocket is blocked.
      transports: options.transports || ["websocket", "polling"],
      tryAllTransports: true,
      reconnectionDelayMax: options.reconnectionDelayMax || 10000,
    });
    var rooms = new Map(); // room name -> { onState, waiters: [{ resolve, reject }] }
    var statusListeners = options.onStatus ? [options.onStatus] : [];
    var live = { socket: socket, status: "connecting" };

    function setStatus(status, detail) {
      live.status = status;
      statusListeners.forEach(function (listener) {
        listener(status, detail);
      });
    }

    function request(event, payload) {
      return socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck(event, payload)
        .catch(function () {
          throw liveError("no_ack", "The server did not answer in time.");
        })
        .then(function (ack) {
          if (ack && ack.ok) {
            return ack;
          }
          var error = (ack && ack.error) || {};
          throw liveError(error.code || "bad_ack", error.message, error.fields);
        });
    }

    function sendJoin(room) {
      request("join", { room: room }).then(
        function (ack) {
          var entry = rooms.get(room);
          if (!entry) {
            return; // left while the join was on its way
          }
          if (entry.onState) {
            entry.onState(ack.state, ack);
          }
          entry.waiters.splice(0).forEach(function (waiter) {
            waiter.resolve(ack.state);
          });
        },
        function (error) {
          var entry = rooms.get(room);
          if (!entry) {
            return;
          }
          if (error.code === "no_ack") {
            return; // the connection dropped: the next "connect" joins again
          }
          // A refusal will not change by retrying: forget the room.
          rooms.delete(room);
          var waiters = entry.waiters.splice(0);
          waiters.forEach(function (waiter) {
            waiter.reject(error);
          });
          if (!waiters.length && options.onError) {
            options.onError(error, room); // a re-join after reconnection was refused
          }
        }
      );
    }

    socket.on("connect", function () {
      setStatus("connected");
      rooms.forEach(function (entry, room) {
        sendJoin(room);
      });
    });

    socket.on("disconnect", function (reason) {
      // "io server disconnect": the server closed the connection, socket.io will not retry.
      setStatus(socket.active ? "reconnecting" : "disconnected", { reason: reason });
    });

    socket.on("connect_error", function (error) {
      if (socket.active) {
        setStatus("reconnecting", { reason: error.message });
      } else {
        // Refused by the server (signed out, no longer a member): retrying would not help.
        setStatus("refused", { code: error.data && error.data.code, message: error.message });
      }
    });

    /* Join a room; onState(state, ack) runs now and after every reconnection. Resolves with the state. */
    live.join = function (room, onState) {
      return new Promise(function (resolve, reject) {
        var entry = rooms.get(room);
        if (entry) {
          entry.onState = onState || entry.onState;
        } else {
          entry = { onState: onState, waiters: [] };
          rooms.set(room, entry);
        }
        entry.waiters.push({ resolve: resolve, reject: reject });
        if (socket.connected) {
          sendJoin(room);
        } // otherwise the "connect" handler joins every room
      });
    };

    live.leave = function (room) {
      rooms.delete(room);
      return socket.connected ? request("leave", { room: room }) : Promise.resolve({ ok: true, room: room });
    };

    /* The current state of a room, without waiting for a reconnection. */
    live.state = function (room) {
      return request("state", { room: room }).then(function (ack) {
        return ack.state;
      });
    };

    live.request = request;

    live.on = function (event, handler) {
      socket.on(event, handler);
      return live;
    };

    live.off = function (event, handler) {
      socket.off(event, handler);
      return live;
    };

    live.onStatus = function (listener) {
      statusListeners.push(listener);
      return live;
    };

    live.rooms = function () {
      return Array.from(rooms.keys());
    };

    live.close = function () {
      rooms.clear();
      socket.disconnect();
    };

    return live;
  }

  root.FacettesLive = { connect: connect };
})(typeof window !== "undefined" ? window : globalThis);
