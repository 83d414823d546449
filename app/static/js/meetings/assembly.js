/*
 * The assembly page keeps its quorum live: when the meeting's room says the attendance
 * changed (check-in, remote, proxies), the page fetches itself and swaps the #quorum
 * section. A slow poll covers changes that do not go through the room.
 */
(function () {
  "use strict";
  var section = document.getElementById("quorum");
  if (!section) { return; }
  var meetingId = Number(section.getAttribute("data-meeting"));

  function refresh() {
    fetch(window.location.pathname, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("quorum");
        var current = document.getElementById("quorum");
        if (fresh && current) { current.replaceWith(fresh); }
      })
      .catch(function () {});
  }

  if (window.FacettesLive) {
    var live = window.FacettesLive.connect({});
    live.join("meeting:" + meetingId, refresh).catch(function () {});
    live.on("meeting_changed", function (payload) { if (payload && payload.meeting === meetingId) { refresh(); } });
  }
  setInterval(refresh, 15000);
})();
