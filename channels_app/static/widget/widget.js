/*
 * Live chat widget. Embed on any page:
 *
 *   <script src="https://inbox.example.com/static/widget/widget.js" async
 *           data-title="Chat with us" data-color="#2563eb" data-greeting="Hi! How can we help?"
 *           data-user-email="maya@example.com" data-user-name="Maya"
 *           data-user-hash="HMAC-SHA256(WIDGET_IDENTITY_SECRET, email) computed by your server"></script>
 *
 * Plain JS, no build step. Everything lives in a Shadow DOM so the host page's CSS cannot
 * reach in (and ours cannot leak out). Customer and agent text is only ever set as textContent.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__supportWidgetLoaded) return;
  window.__supportWidgetLoaded = true;

  var base = new URL(script.src, location.href);
  var wsUrl = (base.protocol === "https:" ? "wss://" : "ws://") + base.host + "/ws/widget/";
  var storageKey = "support-widget-token:" + base.host;
  var data = script.dataset;
  var title = data.title || "Chat with us";
  var greeting = data.greeting || "Hi! How can we help? Write your question below.";
  var color = /^#[0-9a-fA-F]{3,8}$/.test(data.color || "") ? data.color : "#2563eb";

  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif}",
    ".launcher{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;",
    "background:var(--c);color:#fff;display:flex;align-items:center;justify-content:center;padding:0;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483646}",
    ".badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;border-radius:10px;background:#dc2626;",
    "color:#fff;font-size:12px;line-height:20px;text-align:center;padding:0 5px;font-weight:600}",
    ".badge[hidden]{display:none}",
    ".panel{position:fixed;right:20px;bottom:88px;width:340px;max-width:calc(100vw - 40px);height:480px;",
    "max-height:calc(100vh - 120px);background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);",
    "display:flex;flex-direction:column;overflow:hidden;z-index:2147483647;color:#1f2328;font-size:14px}",
    ".panel[hidden]{display:none}",
    ".head{background:var(--c);color:#fff;padding:12px 14px;display:flex;justify-content:space-between;align-items:center}",
    ".head strong{font-size:15px}.close{background:none;border:0;color:#fff;font-size:20px;cursor:pointer}",
    ".status{font-size:12px;opacity:.9}",
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f6f8fa}",
    // An empty chat opens with a greeting instead of a blank panel; it goes once there are messages.
    ".greeting{margin:0;padding:12px 12px 0;background:#f6f8fa;color:#57606a;font-size:14px}.greeting[hidden]{display:none}",
    ".msg{max-width:80%;padding:8px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word;line-height:1.4}",
    ".msg.mine{align-self:flex-end;background:var(--c);color:#fff;border-bottom-right-radius:2px}",
    ".msg.theirs{align-self:flex-start;background:#fff;border:1px solid #d0d7de;border-bottom-left-radius:2px}",
    ".who{display:block;font-size:11px;opacity:.75;margin-bottom:2px}",
    ".msg.pending{opacity:.6}.msg.failed{background:#cf222e}",
    ".typing{font-size:12px;color:#57606a;padding:0 12px 6px;background:#f6f8fa;min-height:18px}",
    ".offline{padding:10px 12px;background:#fff8c5;border-top:1px solid #d4a72c;font-size:13px}",
    ".offline[hidden],.offline form[hidden]{display:none}.offline form{display:flex;gap:6px;margin-top:6px}",
    ".offline input{flex:1;padding:6px 8px;border:1px solid #d0d7de;border-radius:6px;font-size:13px}",
    ".err{color:#cf222e;font-size:12px;padding:4px 12px}.err:empty{display:none}",
    ".compose{display:flex;border-top:1px solid #d0d7de;background:#fff}",
    ".compose textarea{flex:1;border:0;padding:10px;resize:none;font-size:14px;height:48px;outline:none}",
    "button.send,.offline button{background:var(--c);color:#fff;border:0;padding:0 14px;cursor:pointer;font-size:14px;border-radius:6px;margin:6px}",
    ".offline button{margin:0;padding:6px 10px}",
    ".csat{display:flex;flex-direction:column;gap:6px;margin-top:8px}.csat .stars{display:flex;gap:4px}",
    ".csat button{flex:1;border:1px solid var(--c);background:#fff;color:var(--c);border-radius:6px;padding:6px 0;cursor:pointer;font-size:14px}",
    ".csat button:hover,.csat button:focus{background:var(--c);color:#fff}.csat button:disabled{opacity:.5;cursor:default}",
    ".csat input{padding:6px 8px;border:1px solid #d0d7de;border-radius:6px;font-size:13px}.csat .thanks{font-weight:600}",
  ].join("");

  var host = document.createElement("div");
  host.setAttribute("data-support-widget", "");
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>" + CSS + "</style>" +
    '<button class="launcher" part="launcher" aria-label="Open chat"><svg width="26" height="26" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/></svg><span class="badge" hidden></span></button>' +
    '<section class="panel" role="dialog" aria-label="Chat" hidden>' +
    '<div class="head"><div><strong></strong><div class="status">Connecting\u2026</div></div>' +
    '<button class="close" aria-label="Close chat">\u00D7</button></div>' +
    '<p class="greeting"></p><div class="log" aria-live="polite"></div><div class="typing"></div>' +
    '<div class="offline" hidden><span class="offline-text">Nobody is available right now. Leave your email and we will reply there.</span>' +
    '<form><input type="email" name="email" placeholder="you@example.com" aria-label="Your email" required>' +
    '<button type="submit">Send</button></form></div>' +
    '<div class="err" role="alert"></div>' +
    '<form class="compose"><textarea placeholder="Write a message\u2026" aria-label="Message"></textarea>' +
    '<button class="send" type="submit">Send</button></form></section>';
  root.host.style.setProperty("--c", color);
  var $ = function (sel) { return root.querySelector(sel); };
  $(".head strong").textContent = title;
  $(".greeting").textContent = greeting;
  new MutationObserver(function () { $(".greeting").hidden = $(".log").children.length > 0; })
    .observe($(".log"), { childList: true });

  var state = { socket: null, open: false, unread: 0, messages: {}, pending: {}, surveys: {}, retry: 0, typingTimer: null, sentTyping: false };

  // Storage can be unavailable (privacy modes, sandboxed frames): then the visit lasts one page.
  var memory = {};
  var store = {
    get: function (key) { try { return localStorage.getItem(key); } catch (e) { return memory[key] || null; } },
    set: function (key, value) { try { localStorage.setItem(key, value); } catch (e) { memory[key] = value; } },
    remove: function (key) { try { localStorage.removeItem(key); } catch (e) { delete memory[key]; } },
  };
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "x" + Date.now().toString(16) + Math.random().toString(16).slice(2);
  }
  function send(frame) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) { state.socket.send(JSON.stringify(frame)); return true; }
    return false;
  }
  function setStatus(text) { $(".status").textContent = text; host.dataset.state = text; }
  function setBadge() {
    var badge = $(".badge");
    badge.textContent = String(state.unread);
    badge.hidden = state.open || state.unread === 0;
  }
  function visible() { return state.open && document.visibilityState === "visible"; }

  function render(message) {
    var el = state.messages[message.id];
    if (!el && message.client_id && state.pending[message.client_id]) {
      el = state.pending[message.client_id];
      delete state.pending[message.client_id];
    }
    if (!el) {
      el = document.createElement("div");
      $(".log").appendChild(el);
    }
    if (!el.isConnected) $(".log").appendChild(el);
    el.className = "msg " + (message.mine ? "mine" : "theirs");
    el.textContent = "";
    if (!message.mine) {
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = message.author;
      el.appendChild(who);
    }
    el.appendChild(document.createTextNode(message.text));
    if (message.csat) el.appendChild(survey(message.csat));
    el.dataset.id = message.id;
    var isNew = !state.messages[message.id];
    state.messages[message.id] = el;
    $(".log").scrollTop = $(".log").scrollHeight;
    return isNew;
  }

  // A satisfaction question: five buttons and an optional comment, or the answer once given.
  function survey(csat) {
    var box = document.createElement("div");
    box.className = "csat";
    box.dataset.survey = csat.survey;
    state.surveys[csat.survey] = box;
    if (csat.rating) { thank(box, csat.rating); return box; }
    var comment = document.createElement("input");
    comment.placeholder = "Anything to add? (optional)";
    comment.setAttribute("aria-label", "Anything to add? (optional)");
    comment.maxLength = 2000;
    var stars = document.createElement("div");
    stars.className = "stars";
    stars.setAttribute("role", "group");
    stars.setAttribute("aria-label", "Rate this chat from 1 (bad) to 5 (great)");
    [1, 2, 3, 4, 5].forEach(function (n) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = String(n);
      button.setAttribute("aria-label", "Rate " + n + " of 5" + (n === 1 ? " (bad)" : n === 5 ? " (great)" : ""));
      button.addEventListener("click", function () {
        stars.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        send({ action: "rate", survey: csat.survey, rating: n, comment: comment.value });
      });
      stars.appendChild(button);
    });
    box.appendChild(stars);
    box.appendChild(comment);
    return box;
  }

  function thank(box, rating) {
    box.textContent = "";
    var done = document.createElement("span");
    done.className = "thanks";
    done.setAttribute("role", "status");
    done.textContent = "You rated this chat " + rating + " of 5. Thank you!";
    box.appendChild(done);
  }

  function acknowledge(messages) {
    var theirs = messages.filter(function (m) { return !m.mine && m.status !== "read"; }).map(function (m) { return m.id; });
    if (!theirs.length) return;
    send({ action: "received", message_ids: theirs });
    if (visible()) send({ action: "seen", message_ids: theirs });
  }
  function markAllSeen() {
    var ids = Object.keys(state.messages).map(Number);
    if (ids.length && visible()) send({ action: "seen", message_ids: ids });
    state.unread = 0;
    setBadge();
  }

  function onFrame(frame) {
    if (frame.type === "session") {
      state.retry = 0;
      store.set(storageKey, frame.token);
      setStatus(frame.available ? "We typically reply in a few minutes" : "We're away right now");
      $(".offline").hidden = !!frame.available || !!store.get(storageKey + ":email");
      $(".log").textContent = "";
      state.messages = {};
      var unread = 0;
      frame.messages.forEach(function (m) { render(m); if (!m.mine && m.status !== "read") unread += 1; });
      Object.keys(state.pending).forEach(function (clientId) {  // typed while offline: send now, same id
        var el = state.pending[clientId];
        $(".log").appendChild(el);
        send({ action: "send", text: el.dataset.text, client_id: clientId });
      });
      state.unread = visible() ? 0 : unread;
      setBadge();
      acknowledge(frame.messages);
      host.dataset.ready = "true";
    } else if (frame.type === "sent") {
      render(frame.message);
    } else if (frame.type === "message") {
      if (render(frame.message) && !frame.message.mine) {
        $(".typing").textContent = "";
        if (!visible()) { state.unread += 1; setBadge(); }
        acknowledge([frame.message]);
      }
    } else if (frame.type === "rated") {
      if (state.surveys[frame.survey]) thank(state.surveys[frame.survey], frame.rating);
    } else if (frame.type === "typing") {
      $(".typing").textContent = frame.typing ? "Support is typing\u2026" : "";
      clearTimeout(state.agentTypingTimer);  // a lost "stop" must not leave it on forever
      if (frame.typing) state.agentTypingTimer = setTimeout(function () { $(".typing").textContent = ""; }, 15000);
    } else if (frame.type === "offline_email") {
      store.set(storageKey + ":email", frame.email);
      $(".offline-text").textContent = "Thanks! We'll reply to " + frame.email + " if you've left by then.";
      $(".offline form").hidden = true;
    } else if (frame.type === "error") {
      $(".err").textContent = frame.reason;
      root.querySelectorAll(".csat button").forEach(function (b) { b.disabled = false; });
      var failed = frame.client_id && state.pending[frame.client_id];
      if (failed) {  // refused (too long, too fast): show it as not sent instead of retrying forever
        failed.className = "msg mine failed";
        failed.title = frame.reason;
        delete state.pending[frame.client_id];
      }
      if (frame.reason === "invalid token") store.remove(storageKey);
    }
  }

  function connect() {
    setStatus("Connecting\u2026");
    var socket = new WebSocket(wsUrl);
    state.socket = socket;
    socket.onopen = function () {
      var identity = data.userEmail ? { email: data.userEmail, name: data.userName || "", hash: data.userHash || "" } : null;
      socket.send(JSON.stringify({ action: "hello", token: store.get(storageKey), identity: identity }));
    };
    socket.onmessage = function (event) { onFrame(JSON.parse(event.data)); };
    socket.onclose = function () {
      host.dataset.ready = "false";
      setStatus("Reconnecting\u2026");
      state.retry = Math.min(state.retry + 1, 6);
      setTimeout(connect, 500 * Math.pow(2, state.retry - 1));
    };
  }

  $(".launcher").addEventListener("click", function () {
    state.open = !state.open;
    $(".panel").hidden = !state.open;
    if (state.open) { markAllSeen(); $(".compose textarea").focus(); }
    setBadge();
  });
  $(".close").addEventListener("click", function () { state.open = false; $(".panel").hidden = true; setBadge(); });
  document.addEventListener("visibilitychange", function () { if (visible()) markAllSeen(); });

  var textarea = $(".compose textarea");
  function submit() {
    var text = textarea.value.trim();
    if (!text) return;
    $(".err").textContent = "";
    var clientId = uuid();
    var el = document.createElement("div");
    el.className = "msg mine pending";
    el.textContent = text;
    el.dataset.text = text;
    $(".log").appendChild(el);
    state.pending[clientId] = el;
    send({ action: "send", text: text, client_id: clientId });  // if offline, the next session resends it
    textarea.value = "";
    stopTyping();
  }
  function stopTyping() {
    clearTimeout(state.typingTimer);
    if (state.sentTyping) { send({ action: "typing", typing: false }); state.sentTyping = false; }
  }
  $(".compose").addEventListener("submit", function (event) { event.preventDefault(); submit(); });
  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); submit(); }
  });
  textarea.addEventListener("input", function () {
    if (!state.sentTyping && textarea.value.trim()) { send({ action: "typing", typing: true }); state.sentTyping = true; }
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(stopTyping, 3000);
  });
  $(".offline form").addEventListener("submit", function (event) {
    event.preventDefault();
    send({ action: "offline_email", email: $(".offline input").value.trim() });
  });
  setInterval(function () { send({ action: "ping" }); }, 25000);

  (document.body || document.documentElement).appendChild(host);
  connect();
})();
