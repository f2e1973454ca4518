// Team queue: live. Any event about a conversation or an agent (the socket only delivers what
// this lead may see) refetches the queue partial; a reconnect refetches too.
(function () {
  "use strict";
  const box = document.getElementById("team-queue");
  if (!box) return;
  let socket = null;
  let retry = 0;
  let timer = null;

  function refresh() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      // Not while the lead is typing a capacity: their edit would be replaced.
      if (box.contains(document.activeElement) && document.activeElement.tagName === "INPUT") return;
      if (window.htmx) htmx.ajax("GET", box.dataset.refreshUrl, { target: "#team-queue", swap: "innerHTML" });
    }, 250);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/inbox/`);
    socket.onopen = () => { if (retry > 0) refresh(); retry = 0; document.body.dataset.live = "connected"; };
    socket.onmessage = (e) => {
      const event = JSON.parse(e.data);
      if (["conversation", "agent", "message"].includes(event.type) && !(event.type === "message" && event.op === "status")) refresh();
    };
    socket.onclose = () => {
      document.body.dataset.live = "reconnecting";
      retry += 1;
      setTimeout(connect, Math.min(500 * 2 ** retry, 15000));
    };
  }
  setInterval(() => { if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ action: "heartbeat" })); }, 60000);

  // Show 400 answers (a reason) in place instead of dropping them.
  document.body.addEventListener("htmx:beforeSwap", (e) => {
    if (e.detail.xhr.status === 400) { e.detail.shouldSwap = true; e.detail.isError = false; }
  });
  connect();
})();
