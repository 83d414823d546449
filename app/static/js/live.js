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
 * When the server withdraws rights (status or role changed, signed out elsewhere), it sends
 * "rights_changed": the rooms left are forgotten (onError(error, room) for each), a closed
 * connection ends with the status "refused", and the reason is shown on the page as a
 * notice unless the page passes { notices: false }.
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

  /* The reason rights were withdrawn, where the page shows its flash messages. */
  function showNotice(message) {
    if (typeof document === "undefined") {
      return;
    }
    var main = document.querySelector("main") || document.body;
    if (!main) {
      return;
    }
    var flashes = main.querySelector(".flashes");
    if (!flashes) {
      flashes = document.createElement("div");
      flashes.className = "flashes";
      flashes.setAttribute("role", "status");
      main.insertBefore(flashes, main.firstChild);
    }
    var shown = flashes.querySelectorAll("[data-live-notice]");
    for (var i = 0; i < shown.length; i++) {
      if (shown[i].textContent === message) {
        return;
      }
    }
    var notice = document.createElement("p");
    notice.className = "flash flash-error";
    notice.setAttribute("data-live-notice", "");
    notice.textContent = message;
    flashes.appendChild(notice);
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
    var closedBecause = null; // { code, message } sent by the server before it disconnects us

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
      if (closedBecause && !socket.active) {
        setStatus("refused", closedBecause); // rights withdrawn: reconnecting would be refused
        return;
      }
      // "io server disconnect": the server closed the connection, socket.io will not retry.
      setStatus(socket.active ? "reconnecting" : "disconnected", { reason: reason });
    });

    socket.on("rights_changed", function (change) {
      change = change || {};
      var messages = [];
      (change.rooms || []).forEach(function (left) {
        var entry = rooms.get(left.room);
        // Not joined again after a reconnection: the server would refuse it.
        rooms.delete(left.room);
        var error = liveError(left.code || "forbidden", left.message);
        if (entry) {
          entry.waiters.splice(0).forEach(function (waiter) {
            waiter.reject(error);
          });
        }
        if (!change.closing && entry) {
          if (left.message && messages.indexOf(left.message) < 0) {
            messages.push(left.message);
          }
          if (options.onError) {
            options.onError(error, left.room);
          }
        }
      });
      if (change.closing) {
        closedBecause = { code: change.code, message: change.message };
        messages = change.message ? [change.message] : [];
      }
      if (options.notices !== false) {
        messages.forEach(showNotice);
      }
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
