// Copilot buttons for any composer. Markup (see agents/_copilot_controls.html):
//   <button data-copilot-draft data-conversation-id="7" data-target="#composer">Draft reply</button>
//   <button data-copilot-summary data-conversation-id="7" data-target="#summary-box">Summarise</button>
//   <button data-copilot-rewrite="shorter|friendlier|grammar|translate" data-conversation-id="7" data-target="#composer">
// Optional, inside the same [data-copilot-controls] (or anywhere on the page):
//   [data-copilot-status] for progress and errors, [data-copilot-citations] (an <ol>) for the sources.
// Drafts stream over ws/copilot/ into the textarea, which stays editable; nothing is sent.
(function () {
  "use strict";
  let socket = null;
  let pending = [];
  let active = null; // {textarea, status, citations, button}

  function scopeOf(el) { return el.closest("[data-copilot-controls]") || document; }
  function statusEl(el) { return scopeOf(el).querySelector("[data-copilot-status]"); }
  function citationsEl(el) { return scopeOf(el).querySelector("[data-copilot-citations]"); }
  function say(el, text, isError) {
    const s = statusEl(el);
    if (!s) return;
    s.textContent = text;
    s.classList.toggle("copilot-error", !!isError);
  }
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function ensureSocket() {
    if (socket && socket.readyState <= 1) return socket;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/copilot/`);
    socket.addEventListener("open", () => { pending.forEach((m) => socket.send(m)); pending = []; });
    socket.addEventListener("message", (e) => onMessage(JSON.parse(e.data)));
    socket.addEventListener("close", () => {
      if (active) { say(active.button, "Connection lost; try again.", true); finish(); }
    });
    return socket;
  }
  function send(obj) {
    const s = ensureSocket();
    const data = JSON.stringify(obj);
    if (s.readyState === 1) s.send(data); else pending.push(data);
  }
  function finish() {
    if (active) { active.button.disabled = false; active.textarea.removeAttribute("aria-busy"); }
    active = null;
  }

  function onMessage(msg) {
    if (!active) return;
    if (msg.type === "start") {
      say(active.button, "Drafting…");
    } else if (msg.type === "token") {
      active.textarea.value += msg.text;
      active.textarea.scrollTop = active.textarea.scrollHeight;
      active.textarea.dataset.copilotChunks = String(Number(active.textarea.dataset.copilotChunks || 0) + 1);
    } else if (msg.type === "done") {
      renderCitations(active.citations, msg.citations || []);
      say(active.button, "Draft ready: edit it, then send.");
      active.textarea.dataset.copilotDone = "true";
      finish();
    } else if (msg.type === "error") {
      say(active.button, msg.reason, true);
      finish();
    }
  }

  function renderCitations(list, citations) {
    if (!list) return;
    list.replaceChildren();
    citations.forEach((c) => {
      const li = document.createElement("li");
      li.value = c.n;
      const a = document.createElement("a");
      a.href = c.url;
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = `[${c.n}] ${c.title}`;
      li.appendChild(a);
      list.appendChild(li);
    });
  }

  function draft(button) {
    if (active) return;
    const textarea = document.querySelector(button.dataset.target);
    if (!textarea) return;
    textarea.value = "";
    delete textarea.dataset.copilotDone;
    textarea.dataset.copilotChunks = "0";
    textarea.setAttribute("aria-busy", "true");
    button.disabled = true;
    active = { button, textarea, citations: citationsEl(button) };
    if (active.citations) active.citations.replaceChildren();
    say(button, "Connecting…");
    send({ action: "draft", conversation_id: Number(button.dataset.conversationId) });
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
      body,
      credentials: "same-origin",
    });
    const html = await response.text();
    const doc = new DOMParser().parseFromString(html, "text/html");
    const error = doc.querySelector("[data-copilot-error]");
    return { ok: response.ok && !error, html, text: (doc.querySelector("[data-copilot-result]") || {}).textContent || "",
             error: error ? error.textContent : (response.ok ? "" : `Error ${response.status}`) };
  }

  async function summarise(button) {
    const box = document.querySelector(button.dataset.target);
    button.disabled = true;
    say(button, "Summarising…");
    const r = await post(`/ai/conversations/${button.dataset.conversationId}/summary/`, new URLSearchParams());
    button.disabled = false;
    if (box) box.innerHTML = r.html; // server-rendered and escaped by Django templates
    say(button, r.ok ? "Summary ready." : r.error, !r.ok);
  }

  async function rewrite(button) {
    const textarea = document.querySelector(button.dataset.target);
    if (!textarea) return;
    const form = new URLSearchParams({ text: textarea.value, style: button.dataset.copilotRewrite });
    button.disabled = true;
    say(button, "Rewriting…");
    const r = await post(`/ai/conversations/${button.dataset.conversationId}/rewrite/`, form);
    button.disabled = false;
    if (r.ok) textarea.value = r.text;
    say(button, r.ok ? "Rewritten: check it before sending." : r.error, !r.ok);
  }

  // Tell the AI agent a human is writing here (throttled), so it never talks over them.
  let lastTyping = 0;
  document.addEventListener("input", (e) => {
    const button = document.querySelector(`[data-copilot-draft][data-target="#${e.target.id}"]`);
    if (!button || active || Date.now() - lastTyping < 5000) return;
    lastTyping = Date.now();
    send({ action: "typing", conversation_id: Number(button.dataset.conversationId) });
  });

  document.addEventListener("click", (e) => {
    const button = e.target.closest("[data-copilot-draft],[data-copilot-summary],[data-copilot-rewrite]");
    if (!button) return;
    e.preventDefault();
    if (button.hasAttribute("data-copilot-draft")) draft(button);
    else if (button.hasAttribute("data-copilot-summary")) summarise(button);
    else rewrite(button);
  });
})();
