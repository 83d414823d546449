/*
 * The participant's phone: check in, raise a hand, vote — through the live channel, so the
 * answer comes once it is committed. Votes go through the votes engine's own "vote" event;
 * a secret ballot's receipt is kept on this phone (nothing on the server links it to us).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var meeting = window.FacettesMeeting;
  if (!meeting) { return; }
  var live = meeting.live;
  var RECEIPTS = "facettes-receipts";

  function receipts() {
    try { return JSON.parse(localStorage.getItem(RECEIPTS) || "{}"); } catch (e) { return {}; }
  }
  function keepReceipt(key, code) {
    var all = receipts(); all[key] = code;
    try { localStorage.setItem(RECEIPTS, JSON.stringify(all)); } catch (e) { /* private mode */ }
  }
  function showReceipts() {
    var all = receipts();
    document.querySelectorAll("[data-receipt-for]").forEach(function (el) {
      var code = all[el.getAttribute("data-receipt-for")];
      if (code) { el.querySelector("code").textContent = code; el.hidden = false; }
    });
  }

  function showError(form, error) {
    var box = form.closest("section").querySelector("[data-error]");
    if (box) { box.textContent = error.message || error.code; }
  }

  function choiceOf(form) {
    var method = form.getAttribute("data-method");
    var data = new FormData(form);
    if (method === "yes_no" || method === "consent") {
      var choice = { choice: data.get("choice") || "" };
      if (method === "consent" && choice.choice === "objection") { choice.reason = data.get("reason") || ""; }
      return choice;
    }
    if (method === "majority_judgment") {
      var grades = {};
      data.forEach(function (value, name) { if (name.indexOf("grade-") === 0) { grades[name.slice(6)] = Number(value); } });
      return { grades: grades };
    }
    if (method === "schulze") {
      var ranks = {};
      data.forEach(function (value, name) {
        if (name.indexOf("rank-") === 0 && value) { (ranks[value] = ranks[value] || []).push(Number(name.slice(5))); }
      });
      return { ranking: Object.keys(ranks).map(Number).sort(function (a, b) { return a - b; })
                             .map(function (rank) { return ranks[rank]; }) };
    }
    return { chosen: data.getAll("chosen").map(Number) };
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches(".phone-checkin")) {
      event.preventDefault();
      live.request("meeting.checkin", { meeting: meeting.meetingId, code: form.code.value,
                                        mode: (form.querySelector("input[name=mode]:checked") || {}).value })
        .then(function () { meeting.refresh(); })
        .catch(function (error) { showError(form, error); });
    } else if (form.matches("[data-hand]")) {
      event.preventDefault();
      var stance = event.submitter ? event.submitter.value : "";
      var request = stance === "lower" ? live.request("meeting.lower_hand", { meeting: meeting.meetingId })
                                       : live.request("meeting.hand", { meeting: meeting.meetingId, stance: stance });
      request.then(function () { meeting.refresh(); }).catch(function (error) { showError(form, error); });
    } else if (form.matches(".vote-form")) {
      event.preventDefault();
      var ballot = Number(form.action.match(/scrutins\/(\d+)\/vote/)[1]);
      var behalf = form.querySelector("input[name=on_behalf_of]");
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      live.request("vote", { ballot: ballot, choice: choiceOf(form), key: form.key.value,
                             on_behalf_of: behalf ? Number(behalf.value) : null })
        .then(function (ack) {
          var elector = behalf ? behalf.value : "me";
          keepReceipt(ballot + ":" + elector, ack.receipt);
          var done = document.createElement("p");
          done.className = "voted";
          done.setAttribute("role", "status");
          var parts = script.getAttribute("data-recorded").split("%(code)s");
          var code = document.createElement("code");
          code.className = "receipt";
          code.textContent = ack.receipt;
          done.append(parts[0], code, parts[1] || "");
          form.replaceWith(done);
          meeting.refresh();
        })
        .catch(function (error) { button.disabled = false; showError(form, error); });
    }
  });

  // A secret ballot's receipt: the page knows the elector id only as "me" for the member's own vote.
  meeting.onRefresh(function () {
    var all = receipts();
    document.querySelectorAll("[data-receipt-for]").forEach(function (el) {
      var parts = el.getAttribute("data-receipt-for").split(":");
      var code = all[el.getAttribute("data-receipt-for")] || all[parts[0] + ":me"];
      if (code) { el.querySelector("code").textContent = code; el.hidden = false; }
    });
  });
  showReceipts();
})();
