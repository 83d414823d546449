// Live workgroup page: new messages are fetched (rendered for this viewer) and appended;
// a save of the notes by someone else is announced, never applied over what one is typing.
(function () {
  "use strict";
  const page = document.querySelector("article.workgroup[data-room]");
  if (!page || !window.FacettesLive) return;
  const list = page.querySelector(".wg-messages");
  const notice = page.querySelector(".notes .live-notice");
  let notesRevision = Number(page.dataset.notesRevision);
  const messageUrl = (id) => page.dataset.messageUrl.replace(/\/0$/, "/" + id);

  function addMessage(id) {
    if (!list || document.getElementById("message-" + id)) return;
    fetch(messageUrl(id), { credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : ""))
      .then((html) => {
        if (html && !document.getElementById("message-" + id)) list.insertAdjacentHTML("beforeend", html);
      });
  }

  function notesAt(revision) {
    if (revision > notesRevision && notice) notice.hidden = false;
  }

  const live = window.FacettesLive.connect({});
  live.join(page.dataset.room, (state) => {
    // On (re)join the snapshot says what exists now: fetch whatever we missed.
    (state.messages || []).forEach(addMessage);
    notesAt(state.notes_revision);
  }).catch(() => {});  // the page still works without live updates; reloading shows everything
  live.on("workgroup.message", (payload) => addMessage(payload.id));
  live.on("workgroup.notes", (payload) => notesAt(payload.revision));
})();
