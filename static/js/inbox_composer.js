// Composer behaviour: reply vs note, channel and the WhatsApp window, canned replies,
// Ctrl/Cmd+Enter, and "X is replying…" signals to colleagues.
(function () {
  "use strict";
  let typingFor = null;
  let typingTimer = null;

  function composer() { return document.getElementById("composer"); }

  function typing(state) {
    const form = composer();
    if (!form || !window.inboxSocket) return;
    const id = Number(form.dataset.conversationId);
    if (state === "start" && typingFor === id) return;
    if (state === "stop" && typingFor === null) return;
    typingFor = state === "start" ? id : null;
    window.inboxSocket.send({ action: "typing", conversation_id: id, state });
  }

  function sync() {
    const form = composer();
    if (!form) return;
    const note = form.querySelector("#mode-note").checked;
    const channel = form.querySelector("#compose-channel");
    const text = form.querySelector("#compose-text");
    const send = form.querySelector("#send-button");
    const whatsapp = !note && channel && channel.value === "whatsapp";
    const closed = whatsapp && form.dataset.whatsappOpen !== "true";
    form.classList.toggle("note-mode", note);
    if (channel) channel.disabled = note;
    document.getElementById("wa-window").hidden = !whatsapp;
    document.getElementById("wa-templates").hidden = !closed;
    text.disabled = closed;
    send.disabled = closed;
    send.textContent = note ? "Add note" : "Send";
    text.placeholder = note ? "Internal note — @username notifies a colleague (Ctrl+Enter)" : "Write a reply… (Ctrl+Enter to send)";
  }

  document.addEventListener("change", (e) => {
    const t = e.target;
    if (t.closest && t.closest("#composer")) {
      if (t.id === "canned" && t.value) {
        const body = t.selectedOptions[0].dataset.body || "";
        const text = document.getElementById("compose-text");
        const at = text.selectionStart ?? text.value.length;
        text.value = text.value.slice(0, at) + body + text.value.slice(text.selectionEnd ?? at);
        t.value = "";
        text.focus();
      }
      sync();
    }
    if (t.matches && t.matches("select[data-autosubmit]") && t.value !== "") t.form.requestSubmit();
    if (t.form && t.form.matches("form[data-autosubmit]")) t.form.requestSubmit();
  });

  document.addEventListener("input", (e) => {
    if (e.target.id !== "compose-text") return;
    typing(e.target.value.trim() ? "start" : "stop");
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => typing("stop"), 8000);
  });

  document.addEventListener("keydown", (e) => {
    if (e.target.id === "compose-text" && e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      composer().requestSubmit();
    }
  });

  document.body.addEventListener("htmx:afterRequest", (e) => {
    const form = composer();
    if (form && e.detail.elt === form && e.detail.successful) {
      form.querySelector("#compose-text").value = "";
      form.querySelector("input[type=file]").value = "";
      typing("stop");
    }
  });

  document.body.addEventListener("htmx:afterSwap", (e) => {
    if (e.detail.target && e.detail.target.id === "conversation-pane") { typingFor = null; sync(); }
  });
  window.addEventListener("beforeunload", () => typing("stop"));
  document.addEventListener("DOMContentLoaded", sync);
  window.inboxComposer = { sync, mode(value) {
    const form = composer();
    if (!form) return;
    form.querySelector(value === "note" ? "#mode-note" : "#mode-reply").checked = true;
    sync();
    form.querySelector("#compose-text").focus();
  } };
})();
