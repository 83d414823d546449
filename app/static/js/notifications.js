/* The page's one live connection (live.js), and the notification bell's unread count.
 *
 * Page scripts reuse the connection as window.FacettesPage.live. The server puts each
 * member in their own room on connect and sends "notices" with the unread count; after a
 * reconnection the count is read again over HTTP, so no event needs to have been seen.
 */
(function () {
  "use strict";
  if (typeof window.FacettesLive === "undefined" || typeof window.io === "undefined") { return; }
  var live = window.FacettesLive.connect();
  window.FacettesPage = window.FacettesPage || {};
  window.FacettesPage.live = live;

  var bell = document.querySelector(".bell");
  if (!bell) { return; }

  function show(unread) {
    var count = bell.querySelector(".bell-count");
    count.textContent = String(unread);
    count.setAttribute("data-unread", String(unread));
    bell.classList.toggle("has-unread", unread > 0);
  }

  live.on("notices", function (data) {
    if (data && typeof data.unread === "number") { show(data.unread); }
  });

  var connections = 0;
  live.onStatus(function (status) {
    if (status !== "connected" || connections++ === 0) { return; }
    fetch(bell.getAttribute("data-count-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && typeof data.unread === "number") { show(data.unread); } })
      .catch(function () { /* the next event or page load corrects it */ });
  });
})();
