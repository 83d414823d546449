/*
 * Ballot page: tap-to-rank for ranked choice, the seat limit of single choice, and the
 * live turnout and tally.
 *
 * Everything here is an enhancement: without JavaScript, the rank selects, checkboxes and
 * a page reload do the same. The ranking widget writes into the rank selects, which stay
 * in the form, so the server receives exactly what the no-JS form sends.
 * Live: joins ballot:<id> on the page's live.js connection; each "ballot_update"
 * (coalesced server-side, a few per second at most) re-fetches the tally block as HTML
 * rendered for this member. After a reconnection the join delivers the state again.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var text = function (name) { return (script && script.getAttribute("data-" + name)) || ""; };
  var fill = function (template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) { return key in values ? values[key] : match; });
  };

  // --- tap-to-rank ---------------------------------------------------------------------

  function enhanceRanking(fieldset) {
    var fallback = fieldset.querySelector(".rank-fallback");
    if (!fallback) { return; }
    var items = Array.prototype.map.call(fieldset.querySelectorAll(".rank-item"), function (li) {
      return { id: li.getAttribute("data-option"), label: li.getAttribute("data-label"), select: li.querySelector("select") };
    });
    // The ranking is an ordered list of entries; "tied" means: same rank as the entry above.
    var ranked = items.filter(function (item) { return item.select.value; })
      .sort(function (a, b) { return parseInt(a.select.value, 10) - parseInt(b.select.value, 10); })
      .map(function (item, index, all) {
        return { item: item, tied: index > 0 && all[index - 1].select.value === item.select.value };
      });
    var ui = document.createElement("div");
    ui.className = "rank-ui";
    var announce = document.createElement("p");
    announce.className = "sr-only";
    announce.setAttribute("aria-live", "polite");
    fallback.hidden = true;
    fallback.parentNode.insertBefore(ui, fallback);
    fallback.parentNode.insertBefore(announce, fallback);

    function ranks() {
      var rank = 0;
      return ranked.map(function (entry, index) {
        if (index === 0 || !entry.tied) { rank = index + 1; }
        return rank;
      });
    }

    function write() {
      var numbers = ranks();
      items.forEach(function (item) { item.select.value = ""; });
      ranked.forEach(function (entry, index) { entry.item.select.value = String(numbers[index]); });
      if (ranked.length) { ranked[0].tied = false; }
    }

    function button(label, className, onClick, pressed) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = className;
      b.setAttribute("aria-label", label);
      b.title = label;
      b.textContent = { up: "↑", down: "↓", tie: "=", remove: "×" }[className] || label;
      if (pressed !== undefined) { b.setAttribute("aria-pressed", pressed ? "true" : "false"); }
      b.addEventListener("click", onClick);
      return b;
    }

    function render(focus) {
      write();
      var numbers = ranks();
      ui.textContent = "";
      var h1 = document.createElement("h3");
      h1.textContent = text("ranked-title");
      var list = document.createElement("ol");
      list.className = "ranked";
      ranked.forEach(function (entry, index) {
        var li = document.createElement("li");
        li.className = entry.tied && index > 0 ? "tied" : "";
        var number = document.createElement("span");
        number.className = "rank-number";
        number.textContent = String(numbers[index]);
        var label = document.createElement("span");
        label.className = "rank-label";
        label.textContent = entry.item.label;
        li.appendChild(number);
        li.appendChild(label);
        var name = " — " + entry.item.label;
        if (index > 0) {
          li.appendChild(button(text("up") + name, "up", function () { move(index, -1, "up"); }));
          li.appendChild(button(text("tie") + name, "tie", function () { toggleTie(index); }, entry.tied));
        }
        if (index < ranked.length - 1) {
          li.appendChild(button(text("down") + name, "down", function () { move(index, 1, "down"); }));
        }
        li.appendChild(button(text("remove") + name, "remove", function () { remove(index); }));
        li.setAttribute("data-option", entry.item.id);
        list.appendChild(li);
      });
      var h2 = document.createElement("h3");
      h2.textContent = text("unranked-title");
      var rest = document.createElement("ul");
      rest.className = "unranked";
      items.forEach(function (item) {
        if (ranked.some(function (entry) { return entry.item === item; })) { return; }
        var li = document.createElement("li");
        var add = button(text("add") + " — " + item.label, "add", function () { addItem(item); });
        add.textContent = "+ " + item.label;
        li.appendChild(add);
        li.setAttribute("data-option", item.id);
        rest.appendChild(li);
      });
      ui.appendChild(h1);
      ui.appendChild(list);
      ui.appendChild(h2);
      ui.appendChild(rest);
      if (focus) {
        var target = ui.querySelector('[data-option="' + focus.id + '"] button.' + focus.kind) ||
          ui.querySelector('[data-option="' + focus.id + '"] button') || ui.querySelector("button");
        if (target) { target.focus(); }
      }
    }

    function say(entry) {
      var index = ranked.indexOf(entry);
      announce.textContent = index < 0 ? entry.item.label + " : " + text("unranked")
        : fill(text("moved"), { option: entry.item.label, rank: ranks()[index] });
    }

    function move(index, delta, kind) {
      var target = index + delta;
      if (target < 0 || target >= ranked.length) { return; }
      var entry = ranked.splice(index, 1)[0];
      entry.tied = false;
      ranked.splice(target, 0, entry);
      render({ id: entry.item.id, kind: kind });
      say(entry);
    }

    function toggleTie(index) {
      ranked[index].tied = !ranked[index].tied;
      render({ id: ranked[index].item.id, kind: "tie" });
      say(ranked[index]);
    }

    function remove(index) {
      var entry = ranked.splice(index, 1)[0];
      render({ id: entry.item.id, kind: "add" });
      say(entry);
    }

    function addItem(item) {
      var entry = { item: item, tied: false };
      ranked.push(entry);
      var next = items.filter(function (other) {
        return !ranked.some(function (e) { return e.item === other; });
      })[0];
      render(next ? { id: next.id, kind: "add" } : { id: item.id, kind: "remove" });
      say(entry);
    }

    render(null);
  }

  // --- single choice: at most `seats` names --------------------------------------------------

  function limitChoices(fieldset) {
    var max = parseInt(fieldset.getAttribute("data-max"), 10);
    if (!max) { return; }
    var boxes = fieldset.querySelectorAll('input[type="checkbox"]');
    function update() {
      var checked = Array.prototype.filter.call(boxes, function (box) { return box.checked; }).length;
      Array.prototype.forEach.call(boxes, function (box) { box.disabled = !box.checked && checked >= max; });
    }
    Array.prototype.forEach.call(boxes, function (box) { box.addEventListener("change", update); });
    update();
  }

  document.querySelectorAll("fieldset[data-ranking]").forEach(enhanceRanking);
  document.querySelectorAll("fieldset[data-max]").forEach(limitChoices);
  // A second tap on "Vote" would send the same key and count once anyway; spare the round trip.
  document.querySelectorAll("form.vote-form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var submit = form.querySelector('button[type="submit"]');
      if (submit) { window.setTimeout(function () { submit.disabled = true; }, 0); }
    });
  });

  // --- live turnout and tally -----------------------------------------------------------------

  var section = document.getElementById("tally-section");
  var Live = window.FacettesLive;
  if (!section || typeof window.io !== "function") { return; }
  // The page's one connection (notifications.js) when there is one, else our own.
  var live = (window.FacettesPage && window.FacettesPage.live) ||
    (Live && typeof Live.connect === "function" ? Live.connect() : null);
  if (!live) { return; }
  var ballotId = parseInt(section.getAttribute("data-ballot"), 10);
  var announcer = document.getElementById("live-announce");
  var loading = false;
  var again = false;
  var lastVoted = null;

  function refresh() {
    if (loading) { again = true; return; }
    loading = true;
    fetch(section.getAttribute("data-fragment"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html.trim();
        var fresh = holder.firstElementChild;
        var current = document.getElementById("ballot-tally");
        if (fresh && current) { current.replaceWith(fresh); }
      })
      .catch(function () { /* the next update or a reload shows it */ })
      .then(function () {
        loading = false;
        if (again) { again = false; refresh(); }
      });
  }

  var lastVersion = -1;

  function update(state) {
    if (!state || state.ballot !== ballotId) { return; }
    // A snapshot may cross a newer event: keep the newest (the version only grows).
    if (typeof state.version === "number") {
      if (state.version < lastVersion) { return; }
      lastVersion = state.version;
    }
    var tally = document.getElementById("ballot-tally");
    if (tally && state.state !== tally.getAttribute("data-state")) {
      window.location.reload(); // opened, closed, published or cancelled: the forms change too
      return;
    }
    if (state.turnout && state.turnout.voted !== lastVoted) {
      lastVoted = state.turnout.voted;
      if (announcer) { announcer.textContent = fill(text("turnout"), state.turnout); }
    }
    refresh();
  }

  live.join("ballot:" + ballotId, update).catch(function () { /* the page still works by reloading */ });
  ["ballot_update", "ballot_opened", "ballot_closed", "ballot_published", "ballot_cancelled"].forEach(function (name) {
    live.on(name, update);
  });
})();
