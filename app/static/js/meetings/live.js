/*
 * Live meeting pages (console, phone): join the room meeting:<id>, and when the room
 * changes, fetch the page's live fragment and replace the sections whose key changed.
 * A (re)connection re-joins the room and fetches again: nothing depends on missed events.
 * Timers count down from the stored start time, corrected by the server's clock.
 * Exposes window.FacettesMeeting = { live, refresh, onRefresh }.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var root = document.querySelector("[data-meeting][data-fragment]");
  if (!root || !window.FacettesLive) { return; }
  var meetingId = Number(root.getAttribute("data-meeting"));
  var fragmentUrl = root.getAttribute("data-fragment");
  var statusEl = document.querySelector("[data-live-status]");
  var listeners = [];
  var pending = null;
  var inFlight = false;

  function setStatus(text, kind) {
    if (!statusEl) { return; }
    statusEl.textContent = text;
    statusEl.setAttribute("data-kind", kind);
  }

  function swapSections(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var fresh = template.content.querySelectorAll("[data-section]");
    if (!fresh.length) { return; }
    var names = new Set();
    fresh.forEach(function (section) { names.add(section.getAttribute("data-section")); });
    fresh.forEach(function (section) {
      var name = section.getAttribute("data-section");
      var current = document.querySelector('[data-section="' + name + '"]');
      if (!current) {
        // A section that appears (e.g. after checking in): rebuild the whole live block.
        var block = template.content.firstElementChild;
        var old = block && document.getElementById(block.id);
        if (old) { old.replaceWith(block); }
        return;
      }
      if (current.getAttribute("data-key") !== section.getAttribute("data-key")) {
        current.replaceWith(section);
      }
    });
    // A section the server no longer renders (e.g. the check-in form once checked in) goes.
    document.querySelectorAll("[data-section]").forEach(function (section) {
      if (!names.has(section.getAttribute("data-section"))) { section.remove(); }
    });
  }

  function refresh() {
    if (inFlight) { pending = true; return; }
    inFlight = true;
    fetch(fragmentUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        swapSections(html);
        listeners.forEach(function (listener) { listener(); });
        tick();
      })
      .catch(function () { /* the next change or reconnection fetches again */ })
      .then(function () {
        inFlight = false;
        if (pending) { pending = false; refresh(); }
      });
  }

  function tick() {
    document.querySelectorAll(".timer[data-started]").forEach(function (el) {
      var started = Date.parse(el.getAttribute("data-started"));
      var seconds = Number(el.getAttribute("data-seconds"));
      if (!el.hasAttribute("data-offset")) {
        el.setAttribute("data-offset", String(Date.parse(el.getAttribute("data-now")) - Date.now()));
      }
      var now = Date.now() + Number(el.getAttribute("data-offset"));
      var left = Math.round(seconds - (now - started) / 1000);
      var abs = Math.abs(left);
      el.textContent = (left < 0 ? "−" : "") + Math.floor(abs / 60) + ":" + String(abs % 60).padStart(2, "0");
      el.classList.toggle("over", left < 0);
    });
  }
  setInterval(tick, 1000);

  var live = window.FacettesLive.connect({
    onStatus: function (status) {
      if (status === "connected") { setStatus(script.getAttribute("data-connected"), "ok"); }
      else if (status === "refused") { setStatus(script.getAttribute("data-refused"), "error"); }
      else { setStatus(script.getAttribute("data-reconnecting"), "warn"); }
    },
  });
  live.join("meeting:" + meetingId, function () { refresh(); });
  live.on("meeting_changed", function (payload) { if (payload && payload.meeting === meetingId) { refresh(); } });
  // Turnout moves with every vote: only the pages that show it (the console) follow it.
  var followTurnout = root.hasAttribute("data-follow-turnout");
  live.on("meeting_turnout", function (payload) {
    if (payload && payload.meeting === meetingId && (followTurnout || payload.tally_shown)) { refresh(); }
  });

  // Notes: saved in the background as the secretary types, and with the button.
  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var timer = null;
    var saved = form.querySelector("[data-saved]");
    function save() {
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                           headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.json(); })
        .then(function (body) { if (saved) { saved.textContent = body.ok ? script.getAttribute("data-saved") : body.message; } })
        .catch(function () {});
    }
    form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(save, 1500); });
    form.addEventListener("submit", function (event) { event.preventDefault(); clearTimeout(timer); save(); });
  });

  window.FacettesMeeting = { live: live, meetingId: meetingId, refresh: refresh,
                             onRefresh: function (listener) { listeners.push(listener); } };
  tick();
})();
