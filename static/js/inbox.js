// Live inbox. Every server event is a hint to refetch a server-rendered partial; a reconnect
// refetches everything, so a network blip never leaves the page stale.
(function () {
  "use strict";
  const body = document.body;
  const me = Number(body.dataset.userId || 0);
  let socket = null;
  let retry = 0;
  let listTimer = null;
  let collisionTimer = null;
  const AWAY_AFTER_MS = 5 * 60 * 1000;
  let lastActivity = Date.now();
  let autoAway = false;

  function openConversationId() {
    const el = document.querySelector("#conversation-pane [data-conversation-id]");
    return el ? Number(el.dataset.conversationId) : null;
  }

  function send(payload) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(payload));
  }

  function refreshList() {
    clearTimeout(listTimer);
    listTimer = setTimeout(() => {
      const rows = document.getElementById("conversation-rows");
      if (rows && window.htmx) {
        // Ask for as many rows as are on screen, so rows brought in by "Load more" are not dropped.
        const shown = rows.querySelectorAll(".conversation-row").length;
        const sep = rows.dataset.refreshUrl.includes("?") ? "&" : "?";
        htmx.ajax("GET", `${rows.dataset.refreshUrl}${sep}rows=${shown}`, { target: "#conversation-list", swap: "innerHTML" });
      }
      body.dispatchEvent(new Event("inbox-counts"));
      body.dispatchEvent(new Event("inbox-changed"));
    }, 200);
  }

  function refreshConversation() {
    body.dispatchEvent(new Event("conversation-changed"));
  }

  function showCollision(event) {
    const box = document.getElementById("collision");
    if (!box || event.conversation_id !== openConversationId()) return;
    if (event.author === "customer") {
      const typing = document.getElementById("customer-typing");
      if (typing) typing.hidden = event.op !== "start";
      return;
    }
    if (event.user_id === me) return;
    clearTimeout(collisionTimer);
    if (event.op === "start") {
      box.textContent = `${event.name} is replying…`;
      box.hidden = false;
      collisionTimer = setTimeout(() => { box.hidden = true; }, 10000);
    } else {
      box.hidden = true;
    }
  }

  function notify(title, text, url) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    const n = new Notification(title, { body: text, tag: url });
    n.onclick = () => { window.focus(); location.href = url; };
    try {
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      const osc = ctx.createOscillator();
      osc.frequency.value = 880;
      osc.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.12);
    } catch (e) { /* sound is optional */ }
  }

  function bump() {
    const badge = document.getElementById("bell-count");
    if (!badge) return;
    badge.textContent = String(Number(badge.textContent || 0) + 1);
    badge.hidden = false;
  }

  function handle(event) {
    body.dispatchEvent(new CustomEvent("inbox-event", { detail: event }));
    const open = openConversationId();
    switch (event.type) {
      case "message":
        if (event.op !== "status") refreshList();
        if (event.conversation_id === open) refreshConversation();
        break;
      case "conversation":
        refreshList();
        if (event.conversation_id === open) refreshConversation();
        break;
      case "customer":
        refreshList();
        body.dispatchEvent(new Event("customer-changed"));
        break;
      case "typing":
        showCollision(event);
        break;
      case "agent":
        if (event.op === "presence" && event.user_id === me) showPresence(event.presence);
        break;
      case "notification":
        bump();
        notify("Support inbox", event.message_id ? "A colleague mentioned you in a note." : "A conversation was assigned to you.",
          `/conversations/${event.conversation_id}/` + (event.message_id ? `#message-${event.message_id}` : ""));
        break;
      default:
        break;
    }
  }

  // The header shows the presence the server holds: the socket itself brings an offline agent
  // online, and a lead or the idle sweep may change it, after the page was rendered.
  function showPresence(presence) {
    const select = document.getElementById("presence-select");
    if (select) select.value = presence;
    const dot = document.querySelector("#presence-dot .presence-dot");
    if (dot) dot.className = `presence-dot presence-${presence}`;
    if (presence !== "away") autoAway = false;
  }

  function watchOpen() {
    const id = openConversationId();
    if (id) send({ action: "watch", conversation_id: id });
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/inbox/`);
    socket.onopen = () => {
      watchOpen();
      if (retry > 0) { refreshList(); refreshConversation(); }  // catch up on what the blip hid
      retry = 0;
      body.dataset.live = "connected";
    };
    socket.onmessage = (e) => handle(JSON.parse(e.data));
    socket.onclose = () => {
      body.dataset.live = "reconnecting";
      retry += 1;
      setTimeout(connect, Math.min(500 * 2 ** retry, 15000));
    };
  }

  // Presence: heartbeat while active, away after inactivity, back online on return. A status
  // the agent picks by hand is never overridden.
  function activity() {
    lastActivity = Date.now();
    if (autoAway) {
      autoAway = false;
      send({ action: "presence", presence: "online" });
      const select = document.getElementById("presence-select");
      if (select) select.value = "online";
    }
  }
  ["keydown", "mousedown", "mousemove", "touchstart"].forEach((t) => addEventListener(t, activity, { passive: true }));
  setInterval(() => {
    const select = document.getElementById("presence-select");
    const idle = Date.now() - lastActivity > AWAY_AFTER_MS;
    if (idle && select && select.value === "online") {
      autoAway = true;
      select.value = "away";
      send({ action: "presence", presence: "away" });
    } else if (!idle) {
      send({ action: "heartbeat" });
    }
  }, 60000);

  // htmx: show validation/permission answers (4xx) instead of dropping them.
  body.addEventListener("htmx:beforeSwap", (e) => {
    if ([400, 403, 409].includes(e.detail.xhr.status)) { e.detail.shouldSwap = true; e.detail.isError = false; }
  });
  body.addEventListener("htmx:afterSwap", (e) => {
    if (e.detail.target && e.detail.target.id === "conversation-pane") {
      watchOpen();
      document.getElementById("inbox")?.classList.add("has-conversation");
      scrollTimeline(true);
      markActiveRow();
      refreshList();  // the opened conversation is now read
    }
    if (e.detail.target && e.detail.target.id === "conversation-list") markActiveRow();
  });
  body.addEventListener("htmx:beforeSwap", (e) => {
    if (e.detail.target && e.detail.target.id === "conversation-live") {
      const t = document.getElementById("timeline");
      body.dataset.stick = t && t.scrollHeight - t.scrollTop - t.clientHeight < 80 ? "1" : "";
    }
  });
  body.addEventListener("htmx:afterSettle", (e) => {
    if (e.detail.target && e.detail.target.id === "conversation-live" && body.dataset.stick) scrollTimeline(true);
  });

  function scrollTimeline(toEnd) {
    const t = document.getElementById("timeline");
    if (!t) return;
    const anchor = location.hash.startsWith("#message-") && document.querySelector(location.hash);
    if (anchor && !toEnd) {
      anchor.scrollIntoView({ block: "center" });
      anchor.classList.add("flash");
    } else {
      t.scrollTop = t.scrollHeight;
    }
  }

  function markActiveRow() {
    const id = openConversationId();
    document.querySelectorAll(".conversation-row").forEach((row) => {
      const active = Number(row.dataset.conversationId) === id;
      row.classList.toggle("active", active);
      if (active) row.querySelector("a")?.setAttribute("aria-current", "true");
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    scrollTimeline(false);
    markActiveRow();
    const ask = document.getElementById("enable-notifications");
    if (ask && "Notification" in window && Notification.permission === "default") {
      ask.hidden = false;
      ask.addEventListener("click", () => Notification.requestPermission().then(() => { ask.hidden = true; }));
    }
  });

  window.inboxSocket = { send };
  connect();
})();
