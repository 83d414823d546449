/* Live proposal page: new comments, amendments and sense-check counts appear without reloading.
 *
 * Joins the room proposal:<id> on the page's one connection (live.js, opened by
 * notifications.js). Events
 * carry ids; each new or changed comment or amendment is fetched as HTML rendered for
 * this member. On every (re)join the snapshot lists what exists now, and whatever the
 * page lacks or has in an older version is fetched: missed events do not matter.
 */
(function () {
  "use strict";
  var root = document.getElementById("proposal");
  if (!root || !window.FacettesPage || !window.FacettesPage.live) { return; }
  var live = window.FacettesPage.live;
  var room = root.getAttribute("data-room");
  var status = document.getElementById("live-status");

  function fragmentUrl(kind, id) {
    var template = root.getAttribute(kind === "comment" ? "data-comment-url" : "data-amendment-url");
    return template.replace(/\/0\/fragment$/, "/" + id + "/fragment");
  }

  function fetchHtml(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      return holder.firstElementChild;
    });
  }

  function setCount(id, delta) {
    var element = document.getElementById(id);
    if (element) { element.textContent = String(Math.max(0, parseInt(element.textContent, 10) + delta)); }
  }

  function placeComment(element, parentId) {
    var existing = document.getElementById(element.id);
    if (existing) { existing.replaceWith(element); return; }
    var empty = document.querySelector("#threads .empty");
    if (empty) { empty.remove(); }
    if (parentId) {
      var thread = document.querySelector('.thread[data-thread-id="' + parentId + '"] .replies');
      if (thread) { thread.appendChild(element); return; }
    }
    var wrapper = document.createElement("div");
    wrapper.className = "thread";
    wrapper.setAttribute("data-thread-id", element.getAttribute("data-comment-id"));
    var replies = document.createElement("div");
    replies.className = "replies";
    wrapper.appendChild(element);
    wrapper.appendChild(replies);
    document.getElementById("threads").appendChild(wrapper);
  }

  function loadComment(id, parentId, isNew) {
    fetchHtml(fragmentUrl("comment", id)).then(function (element) {
      var known = document.getElementById("comment-" + id);
      placeComment(element, parentId);
      if (isNew && !known) { setCount("comment-count", 1); }
      if (element.classList.contains("withdrawn") && known && !known.classList.contains("withdrawn")) {
        setCount("comment-count", -1);
      }
    }).catch(function () { /* the next snapshot will try again */ });
  }

  function loadAmendment(id) {
    fetchHtml(fragmentUrl("amendment", id)).then(function (element) {
      var existing = document.getElementById(element.id);
      if (existing) { existing.replaceWith(element); return; }
      document.getElementById("amendments").prepend(element);
      setCount("amendment-count", 1);
    }).catch(function () {});
  }

  function showCounts(counts) {
    Object.keys(counts || {}).forEach(function (opinion) {
      var element = document.querySelector('#sense-counts [data-opinion="' + opinion + '"]');
      if (element) { element.textContent = String(counts[opinion]); }
    });
  }

  function tellChanged() {
    if (status) {
      status.hidden = false;
      status.textContent = status.getAttribute("data-message") || "";
    }
  }

  function apply(state) {
    if (!state) { return; }
    showCounts(state.sense_checks);
    (state.comments || []).forEach(function (pair) {
      var element = document.getElementById("comment-" + pair[0]);
      if (!element || element.getAttribute("data-version") !== pair[1]) { loadComment(pair[0], null, !element); }
    });
    (state.amendments || []).forEach(function (pair) {
      var element = document.getElementById("amendment-" + pair[0]);
      if (!element || element.getAttribute("data-status") !== pair[1]) { loadAmendment(pair[0]); }
    });
    if (String(state.revision) !== root.getAttribute("data-revision") || state.state !== root.getAttribute("data-state") ||
        String(state.level) !== root.getAttribute("data-level")) { tellChanged(); }
  }

  // live.js joins again after every reconnection and hands over the snapshot each time.
  live.join(room, apply).catch(function () { /* refused: the page still works by reloading */ });
  live.on("comment", function (data) { loadComment(data.id, data.parent_id, data.action === "added"); });
  live.on("amendment", function (data) { loadAmendment(data.id); });
  live.on("sense_checks", function (data) { showCounts(data.counts); });
  live.on("proposal", function () { tellChanged(); });
})();
