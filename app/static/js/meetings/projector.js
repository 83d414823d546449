/*
 * The projector: a read-only connection to the /projector namespace, allowed by the signed
 * link's token for this meeting only. On every change it fetches the big-screen fragment;
 * turnout numbers move at once; the check-in code is fetched again when it rotates.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var body = document.body;
  var meetingId = Number(body.getAttribute("data-meeting"));
  var fragmentUrl = body.getAttribute("data-fragment");
  var statusEl = document.querySelector("[data-live-status]");
  var inFlight = false, pending = false, codeTimer = null;

  function swap(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    template.content.querySelectorAll("[data-section]").forEach(function (section) {
      var current = document.querySelector('[data-section="' + section.getAttribute("data-section") + '"]');
      if (current && current.getAttribute("data-key") !== section.getAttribute("data-key")) { current.replaceWith(section); }
    });
    scheduleCode();
    tick();
  }

  function refresh() {
    if (inFlight) { pending = true; return; }
    inFlight = true;
    fetch(fragmentUrl, { credentials: "omit" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(swap)
      .catch(function () {})
      .then(function () { inFlight = false; if (pending) { pending = false; refresh(); } });
  }

  function scheduleCode() {
    var el = document.querySelector("[data-code-expires]");
    if (!el) { return; }
    clearTimeout(codeTimer);
    var wait = Date.parse(el.getAttribute("data-code-expires")) - Date.now() + 500;
    codeTimer = setTimeout(refresh, Math.max(1000, Math.min(wait, 130000)));
  }

  function tick() {
    document.querySelectorAll(".timer[data-started]").forEach(function (el) {
      if (!el.hasAttribute("data-offset")) {
        el.setAttribute("data-offset", String(Date.parse(el.getAttribute("data-now")) - Date.now()));
      }
      var now = Date.now() + Number(el.getAttribute("data-offset"));
      var left = Math.round(Number(el.getAttribute("data-seconds")) - (now - Date.parse(el.getAttribute("data-started"))) / 1000);
      var abs = Math.abs(left);
      el.textContent = (left < 0 ? "−" : "") + Math.floor(abs / 60) + ":" + String(abs % 60).padStart(2, "0");
      el.classList.toggle("over", left < 0);
    });
  }
  setInterval(tick, 1000);

  var socket = window.io("/projector", { auth: { meeting: meetingId, token: body.getAttribute("data-token") },
                                         transports: ["websocket", "polling"] });
  socket.on("connect", function () { statusEl.textContent = ""; refresh(); });
  socket.on("disconnect", function () { statusEl.textContent = script.getAttribute("data-reconnecting"); });
  socket.on("connect_error", function () {
    statusEl.textContent = socket.active ? script.getAttribute("data-reconnecting") : script.getAttribute("data-refused");
  });
  socket.on("meeting_changed", refresh);
  socket.on("meeting_turnout", function (payload) {
    var voted = document.querySelector("[data-voted]");
    var electorate = document.querySelector("[data-electorate]");
    var bar = document.querySelector("[data-bar]");
    if (payload && payload.turnout && voted) {
      voted.textContent = payload.turnout.voted;
      electorate.textContent = payload.turnout.electorate;
      bar.style.width = (payload.turnout.electorate ? Math.round(100 * payload.turnout.voted / payload.turnout.electorate) : 0) + "%";
    }
    if (payload && payload.tally_shown) { refresh(); }
  });
  scheduleCode();
  tick();
})();
